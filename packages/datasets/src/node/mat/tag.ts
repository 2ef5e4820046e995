import type { DataFormatError } from '../../errors.js';
import type { ByteReader } from './byte-reader.js';

/** What element readers need from the parser: the file's byte order and its error factory. */
export interface MatContext {
  /** Little-endian file; known once the 128-byte header is read. */
  readonly le: boolean;
  fail(message: string, cause?: unknown): DataFormatError;
}

/** A data element tag. */
export interface Tag {
  type: number;
  nbytes: number;
  /** Small data element: data sits in the tag's last 4 bytes. */
  small: Uint8Array | null;
}

/** Padding that brings `n` bytes to the next 8-byte boundary. */
export const pad8 = (n: number): number => (8 - (n % 8)) % 8;

export function u32(b: Uint8Array, at: number, le: boolean): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, le);
}

export async function readTag(ctx: MatContext, reader: ByteReader, context: string): Promise<Tag> {
  const b = await reader.readExact(8, context);
  const first = u32(b, 0, ctx.le);
  if (first >>> 16 !== 0) {
    // Small data element: 16-bit byte count, 16-bit type, up to 4 bytes of data.
    const nbytes = first >>> 16;
    const type = first & 0xffff;
    if (nbytes > 4)
      throw ctx.fail(
        `small data element at byte ${reader.offset - 8} declares ${nbytes} bytes; expected at most 4`,
      );
    return { type, nbytes, small: b.slice(4, 4 + nbytes) };
  }
  return { type: first, nbytes: u32(b, 4, ctx.le), small: null };
}

/** Reads a whole (small) sub-element's data, skipping its padding. */
export async function readSmallData(
  ctx: MatContext,
  reader: ByteReader,
  tag: Tag,
  what: string,
  limit: number,
): Promise<Uint8Array> {
  if (tag.small !== null) return tag.small;
  if (tag.nbytes > limit)
    throw ctx.fail(`${what}: declares ${tag.nbytes} bytes, more than the ${limit} allowed`);
  const data = (await reader.readExact(tag.nbytes, what)).slice();
  await reader.skip(pad8(tag.nbytes), `${what} padding`);
  return data;
}
