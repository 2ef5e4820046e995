import type { DataFormatError } from '../../errors.js';
import type { ByteReader } from './byte-reader.js';
import { MI_INT32, MI_INT8, MI_UINT32, MX_CLASSES } from './constants.js';
import { readSmallData, readTag, u32 } from './tag.js';
import type { MatContext, Tag } from './tag.js';

/**
 * The sub-elements of one miMATRIX element, read in order and bounded by the element's
 * declared length; errors name the variable by its index and where it was found.
 */
export class MatrixElement {
  private readonly end: number;

  constructor(
    readonly ctx: MatContext,
    readonly reader: ByteReader,
    nbytes: number,
    readonly index: number,
    readonly where: string,
  ) {
    this.end = reader.offset + nbytes;
  }

  /** Bytes of the element not read yet. */
  left(): number {
    return this.end - this.reader.offset;
  }

  fail(message: string): DataFormatError {
    return this.ctx.fail(`variable #${this.index} (${this.where}): ${message}`);
  }

  /** The next sub-element's tag; its declared length must fit in the element. */
  async sub(what: string): Promise<Tag> {
    if (this.left() < 8) throw this.fail(`${what} runs past the end of its miMATRIX element`);
    const tag = await readTag(this.ctx, this.reader, what);
    if (tag.small === null && tag.nbytes > this.left()) {
      throw this.fail(
        `${what} declares ${tag.nbytes} bytes but its miMATRIX element has ${this.left()} left`,
      );
    }
    return tag;
  }

  /** Reads a small sub-element's data (flags, dimensions, name). */
  data(tag: Tag, what: string, limit: number): Promise<Uint8Array> {
    return readSmallData(this.ctx, this.reader, tag, what, limit);
  }
}

/** What precedes a variable's values: its class, complexity, dimensions and name. */
export interface MatrixHeader {
  readonly mxClass: string;
  readonly complex: boolean;
  readonly dims: number[];
  readonly name: string;
}

async function readArrayFlags(el: MatrixElement): Promise<{ mxClass: string; complex: boolean }> {
  const tag = await el.sub('array flags');
  if (tag.type !== MI_UINT32 || (tag.small === null && tag.nbytes !== 8)) {
    throw el.fail(
      `expected array flags as 8 bytes of miUINT32, received type ${tag.type} with ${tag.nbytes} bytes`,
    );
  }
  const flags = await el.data(tag, 'array flags', 8);
  if (flags.length < 4) throw el.fail(`array flags hold ${flags.length} bytes, expected 8`);
  const flagWord = u32(flags, 0, el.ctx.le);
  const mxClass = MX_CLASSES[flagWord & 0xff];
  if (mxClass === undefined) {
    throw el.fail(`unknown array class ${flagWord & 0xff}; expected 1-15`);
  }
  return { mxClass, complex: (flagWord & 0x0800) !== 0 };
}

async function readDimensions(el: MatrixElement): Promise<number[]> {
  const tag = await el.sub('dimensions');
  if (tag.type !== MI_INT32 || tag.nbytes % 4 !== 0 || tag.nbytes < 8) {
    throw el.fail(
      `expected dimensions as >= 2 miINT32 values, received type ${tag.type} with ${tag.nbytes} bytes`,
    );
  }
  const bytes = await el.data(tag, 'dimensions', 4096);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < bytes.length; i += 4) dims.push(dv.getInt32(i, el.ctx.le));
  if (dims.some((d) => d < 0)) throw el.fail(`negative dimension in [${dims.join(', ')}]`);
  return dims;
}

async function readArrayName(el: MatrixElement): Promise<string> {
  const tag = await el.sub('array name');
  if (tag.type !== MI_INT8 && tag.type !== 2) {
    throw el.fail(`expected the array name as miINT8, received type ${tag.type}`);
  }
  return new TextDecoder('latin1').decode(await el.data(tag, 'array name', 4096));
}

/** Reads the array flags, dimensions and name sub-elements that open every miMATRIX. */
export async function readMatrixHeader(el: MatrixElement): Promise<MatrixHeader> {
  const { mxClass, complex } = await readArrayFlags(el);
  const dims = await readDimensions(el);
  const name = await readArrayName(el);
  return { mxClass, complex, dims, name };
}
