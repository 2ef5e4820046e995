import { MatHdf5Error } from '../../errors.js';
import type { ByteReader } from './byte-reader.js';
import type { MatContext } from './tag.js';

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Reads the 128-byte MAT-file level 5 header and returns whether the file is little-endian.
 * HDF5 (v7.3) files throw {@link MatHdf5Error}.
 */
export async function readFileHeader(
  ctx: Pick<MatContext, 'fail'>,
  reader: ByteReader,
  file: string,
  totalBytes: number | undefined,
): Promise<boolean> {
  if (await reader.atEnd()) throw ctx.fail('is empty; expected a MAT-file level 5 header');
  const head = await reader.readExact(Math.min(128, totalBytes ?? 128), 'the 128-byte header');
  if (HDF5_SIGNATURE.every((v, i) => head[i] === v)) throw new MatHdf5Error(file);
  if (head.length < 128)
    throw ctx.fail(`expected a 128-byte MAT-file header, received ${head.length} bytes`);
  const text = new TextDecoder('latin1').decode(head.subarray(0, 116));
  const e0 = head[126];
  const e1 = head[127];
  // The writer stores 'MI' as a 16-bit value: it reads back as 'IM' on little-endian files.
  const little = e0 === 0x49 && e1 === 0x4d;
  const big = e0 === 0x4d && e1 === 0x49;
  if (!little && !big) {
    throw ctx.fail(
      `expected the MAT-file endian indicator 'IM' or 'MI' at bytes 126-127, received ` +
        `0x${(e0 ?? 0).toString(16)} 0x${(e1 ?? 0).toString(16)} (not a MAT-file level 5?)`,
    );
  }
  const version = new DataView(head.buffer, head.byteOffset + 124, 2).getUint16(0, little);
  if (version === 0x0200 || text.startsWith('MATLAB 7.3')) throw new MatHdf5Error(file);
  if (version !== 0x0100) {
    throw ctx.fail(
      `expected MAT-file version 0x0100 at byte 124, received 0x${version.toString(16)}`,
    );
  }
  return little;
}
