import { DataFormatError } from '../../errors.js';

/**
 * Pull-based reader over an async sequence of chunks: exact small reads for headers, and
 * `take(n)` for large payloads so they pass through without being concatenated.
 */
export class ByteReader {
  private chunk: Uint8Array = new Uint8Array(0);
  private pos = 0;
  private done = false;
  /** Bytes consumed so far. */
  offset = 0;

  constructor(
    private readonly source: AsyncIterator<Uint8Array>,
    readonly file: string,
    /** What the bytes are, for error messages (e.g. "inflated variable 'X'"). */
    readonly what = 'file',
  ) {}

  private async fill(): Promise<boolean> {
    while (this.pos >= this.chunk.length) {
      if (this.done) return false;
      const r = await this.source.next();
      if (r.done === true) {
        this.done = true;
        return false;
      }
      this.chunk = r.value;
      this.pos = 0;
    }
    return true;
  }

  async atEnd(): Promise<boolean> {
    return !(await this.fill());
  }

  private truncated(n: number, got: number, context: string): DataFormatError {
    return new DataFormatError(
      this.file,
      `truncated ${this.what}: expected ${n} more bytes for ${context} at byte ${this.offset}, ` +
        `received ${got}`,
    );
  }

  /** Exactly `n` bytes (a copy when they span chunks). */
  async readExact(n: number, context: string): Promise<Uint8Array> {
    if (!(await this.fill())) throw this.truncated(n, 0, context);
    if (this.chunk.length - this.pos >= n) {
      const out = this.chunk.subarray(this.pos, this.pos + n);
      this.pos += n;
      this.offset += n;
      return out;
    }
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      if (!(await this.fill())) throw this.truncated(n, got, context);
      const k = Math.min(n - got, this.chunk.length - this.pos);
      out.set(this.chunk.subarray(this.pos, this.pos + k), got);
      this.pos += k;
      got += k;
    }
    this.offset += n;
    return out;
  }

  /** Yields the next `n` bytes as chunk views; throws if the input ends first. */
  async *take(n: number, context: string): AsyncGenerator<Uint8Array> {
    let left = n;
    while (left > 0) {
      if (!(await this.fill())) throw this.truncated(n, n - left, context);
      const k = Math.min(left, this.chunk.length - this.pos);
      const view = this.chunk.subarray(this.pos, this.pos + k);
      this.pos += k;
      this.offset += k;
      left -= k;
      yield view;
    }
  }

  async skip(n: number, context: string): Promise<void> {
    const it = this.take(n, context);
    while ((await it.next()).done !== true) {
      // discard
    }
  }

  /** Consumes and discards everything left. */
  async drain(): Promise<void> {
    while (await this.fill()) {
      this.offset += this.chunk.length - this.pos;
      this.pos = this.chunk.length;
    }
  }
}
