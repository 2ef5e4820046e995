import { once } from 'node:events';
import { createInflate } from 'node:zlib';
import { DataFormatError } from '../../errors.js';
import { ByteReader } from './byte-reader.js';
import { MI_COMPRESSED, MI_MATRIX, MI_TYPES, NUMERIC_CLASSES } from './constants.js';
import { decodeAligned, decodeStream } from './decode.js';
import { readFileHeader } from './file-header.js';
import { MatrixElement, readMatrixHeader } from './matrix-header.js';
import { pad8, readTag } from './tag.js';
import type { MatContext } from './tag.js';

/** A variable's header, known before its data streams in. */
export interface MatVariableHeader {
  readonly name: string;
  /** MATLAB class: 'double', 'uint8', 'char', … */
  readonly mxClass: string;
  /** Stored data type of the real part, e.g. 'miUINT8' for a double array saved compactly. */
  readonly storedType: string;
  readonly dims: readonly number[];
  readonly numel: number;
  readonly complex: boolean;
}

/** Receives a variable's real-part values, column-major, in order, in chunks. */
export interface MatSink {
  /** `values[j]` is element `start + j` (column-major linear index). */
  write(start: number, values: ArrayLike<number>): void;
}

/** Returns a sink for a variable, or null to skip it. */
export type MatHandler = (header: MatVariableHeader) => MatSink | null;

export interface MatParseOptions {
  /** Total input size when known; bounds what declared lengths may claim. */
  totalBytes?: number;
}

const ELEMENT_LIMIT = 2 ** 32 - 1;

class MatParser implements MatContext {
  le = true;
  private variableIndex = 0;

  constructor(
    private readonly file: string,
    private readonly handler: MatHandler,
    private readonly options: MatParseOptions,
  ) {}

  fail(message: string, cause?: unknown): DataFormatError {
    return new DataFormatError(this.file, message, cause === undefined ? undefined : { cause });
  }

  async parse(reader: ByteReader): Promise<void> {
    this.le = await readFileHeader(this, reader, this.file, this.options.totalBytes);
    while (!(await reader.atEnd())) {
      const start = reader.offset;
      const tag = await readTag(this, reader, 'a top-level data element tag');
      this.checkFits(tag.nbytes, start + 8, 'top-level element');
      if (tag.type === MI_COMPRESSED) {
        await this.parseCompressed(reader, tag.nbytes);
      } else if (tag.type === MI_MATRIX) {
        await this.parseMatrix(reader, tag.nbytes, 'file');
        await reader.skip(pad8(tag.nbytes), 'padding');
      } else if (tag.small === null) {
        // Other top-level elements carry nothing this parser reads.
        await reader.skip(tag.nbytes + pad8(tag.nbytes), 'an unused element');
      }
    }
  }

  private checkFits(nbytes: number, at: number, what: string): void {
    const total = this.options.totalBytes;
    if (total !== undefined && at + nbytes > total) {
      throw this.fail(
        `${what} at byte ${at - 8} declares ${nbytes} bytes but only ${total - at} remain (truncated file?)`,
      );
    }
  }

  private async parseCompressed(outer: ByteReader, nbytes: number): Promise<void> {
    const index = this.variableIndex;
    const at = outer.offset - 8;
    const inflate = createInflate({ chunkSize: 1 << 18 }); // fewer, larger output chunks
    // zlib ends its output at the end of the deflate stream even if the element has bytes
    // left; those trailing bytes are ignored (as zlib does) but still consumed below.
    let zlibDone = false;
    const zlibEnd = once(inflate, 'end').then(
      () => void (zlibDone = true),
      () => undefined,
    );
    // Producer: consumes exactly the element's compressed bytes, honouring backpressure.
    const feed = (async () => {
      try {
        for await (const chunk of outer.take(nbytes, `compressed element #${index}`)) {
          if (zlibDone) continue;
          if (!inflate.write(chunk)) await Promise.race([once(inflate, 'drain'), zlibEnd]);
        }
        if (!zlibDone) inflate.end();
      } catch (err) {
        inflate.destroy(err as Error);
        throw err;
      }
    })();
    feed.catch(() => undefined); // awaited below; this only marks it handled meanwhile
    const inner = new ByteReader(
      inflate[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>,
      this.file,
      `inflated element #${index}`,
    );
    try {
      const tag = await readTag(this, inner, 'the tag inside a compressed element');
      if (tag.type !== MI_MATRIX) {
        throw this.fail(
          `compressed element #${index}: expected miMATRIX (14) inside, received type ${tag.type}`,
        );
      }
      await this.parseMatrix(inner, tag.nbytes, inner.what);
      await inner.drain();
      await feed;
    } catch (err) {
      inflate.destroy();
      const fed = await feed.then(
        () => null,
        (e: unknown) => e,
      );
      // A truncated file shows up in the producer; report that rather than the zlib symptom.
      if (fed instanceof DataFormatError) throw fed;
      if (err instanceof DataFormatError) throw err;
      const code = (err as { code?: string }).code;
      throw this.fail(
        `compressed element #${index} at byte ${at}: corrupt zlib stream ` +
          `(${code !== undefined ? code + ': ' : ''}${(err as Error).message})`,
        err,
      );
    }
  }

  private async parseMatrix(reader: ByteReader, nbytes: number, where: string): Promise<void> {
    const el = new MatrixElement(this, reader, nbytes, this.variableIndex++, where);
    if (nbytes === 0) return; // empty matrix placeholder
    const { mxClass, complex, dims, name } = await readMatrixHeader(el);
    const label = `variable '${name}' (${where})`;
    if (!NUMERIC_CLASSES.has(mxClass)) {
      // Cells, structs, objects and sparse arrays: not needed for SVHN, skipped whole.
      await reader.skip(el.left(), `${label} contents`);
      return;
    }
    const numel = dims.reduce((a, b) => a * b, 1);
    const realTag = await el.sub(`${label} real part`);
    const stored = MI_TYPES[realTag.type];
    if (stored === undefined) throw this.fail(`${label}: unknown stored data type ${realTag.type}`);
    if (realTag.nbytes !== numel * stored.size) {
      throw this.fail(
        `${label}: dims [${dims.join(', ')}] need ${numel} ${stored.name} values ` +
          `(${numel * stored.size} bytes), received ${realTag.nbytes} bytes`,
      );
    }
    if (numel > ELEMENT_LIMIT)
      throw this.fail(`${label}: ${numel} elements exceed the supported ${ELEMENT_LIMIT}`);
    const sink = this.handler({ name, mxClass, storedType: stored.name, dims, numel, complex });
    if (realTag.small !== null) {
      if (sink) decodeAligned(this.le, stored.size, realTag.type, realTag.small, sink, 0);
    } else if (sink === null) {
      await reader.skip(realTag.nbytes, `${label} data`);
    } else {
      const data = reader.take(realTag.nbytes, `${label} data`);
      await decodeStream(this.le, stored.size, realTag.type, data, sink);
    }
    if (realTag.small === null)
      await reader.skip(Math.min(pad8(realTag.nbytes), el.left()), `${label} padding`);
    // Imaginary part (complex arrays) is not returned; skip whatever is left.
    if (el.left() > 0) await reader.skip(el.left(), `${label} remainder`);
  }
}

/**
 * Streams a MAT-file level 5 from `chunks`, calling `handler` for each numeric variable and
 * feeding its values to the returned sink. Compressed variables are inflated incrementally,
 * so memory stays at what the sinks keep plus one chunk.
 */
export async function parseMatStream(
  chunks: AsyncIterable<Uint8Array>,
  file: string,
  handler: MatHandler,
  options: MatParseOptions = {},
): Promise<void> {
  const reader = new ByteReader(chunks[Symbol.asyncIterator](), file);
  try {
    await new MatParser(file, handler, options).parse(reader);
  } catch (err) {
    if (err instanceof DataFormatError) throw err;
    if (err instanceof RangeError) {
      throw new DataFormatError(file, `declared sizes cannot be allocated (${err.message})`, {
        cause: err,
      });
    }
    throw err;
  }
}
