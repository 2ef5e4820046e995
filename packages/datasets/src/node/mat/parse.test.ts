import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import { Rng } from '@sevar/core';
import { describe, expect, it } from 'vitest';
import { DataFormatError, DataNotFoundError, MatHdf5Error } from '../../errors.js';
import { parseMat, readMatFile } from './read.js';

const FIX = join(import.meta.dirname, '..', '__fixtures__', 'mat');
interface Expected {
  [file: string]: { [name: string]: { dims: number[]; values: number[] } };
}
const expected = JSON.parse(readFileSync(join(FIX, 'expected.json'), 'utf8')) as Expected;

describe('MAT v5 parser against scipy-written, MATLAB-written and crafted files', () => {
  const files = Object.keys(expected);
  it('covers the fixture set', () => {
    expect(files.length).toBeGreaterThanOrEqual(15);
    expect(readdirSync(FIX).filter((f) => f.endsWith('.mat')).length).toBe(files.length + 3);
  });

  for (const file of files) {
    it(`${file}: every variable's dims and values (chunks of 1 MiB and of 7 bytes)`, async () => {
      for (const chunkSize of [1 << 20, 7]) {
        const vars = await readMatFile(join(FIX, file), { chunkSize });
        for (const [name, want] of Object.entries(expected[file]!)) {
          const got = vars.get(name);
          expect(got, `${file}:${name}`).toBeDefined();
          expect(got!.dims).toEqual(want.dims);
          expect(got!.data.length).toBe(want.values.length);
          const data = Array.from(got!.data);
          // float32 values were widened to double by scipy's JSON; compare at float32 precision.
          if (got!.mxClass === 'single') {
            expect(data).toEqual(want.values.map((v) => Math.fround(v)));
          } else {
            expect(data).toEqual(want.values);
          }
        }
      }
    });
  }

  it('decodes by stored type: SVHN-style y is class double stored as miUINT8', async () => {
    const vars = await readMatFile(join(FIX, 'crafted_svhn_be_z.mat'));
    const y = vars.get('y')!;
    expect(y.mxClass).toBe('double');
    expect(y.storedType).toBe('miUINT8');
    expect(y.data).toBeInstanceOf(Float64Array);
    expect(Array.from(y.data)).toEqual([10, 1, 2, 9, 10]);
  });

  it('keeps MATLAB classes: uint8, int16, single and so on', async () => {
    const vars = await readMatFile(join(FIX, 'scipy_dtypes_compressed.mat'));
    expect(vars.get('u8')!.data).toBeInstanceOf(Uint8Array);
    expect(vars.get('i16')!.data).toBeInstanceOf(Int16Array);
    expect(vars.get('f32')!.data).toBeInstanceOf(Float32Array);
    expect(vars.get('i64')!.mxClass).toBe('int64');
    expect(vars.has('skipme')).toBe(false); // a struct: skipped, not misparsed
  });
});

describe('MAT v5 parser on bad input', () => {
  const good = readFileSync(join(FIX, 'scipy_svhn_compressed.mat'));
  const plain = readFileSync(join(FIX, 'scipy_svhn_plain.mat'));

  it('HDF5 (MAT v7.3) files get an error saying so', async () => {
    const err = await readMatFile(join(FIX, 'testhdf5_7.4_GLNX86.mat')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MatHdf5Error);
    expect((err as MatHdf5Error).file).toContain('testhdf5_7.4_GLNX86.mat');
    expect((err as Error).message).toMatch(/v7\.3 \(HDF5/);
    // A bare HDF5 file (signature at byte 0) too.
    const bare = new Uint8Array(600);
    bare.set([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
    await expect(parseMat(bare, 'bare.h5')).rejects.toBeInstanceOf(MatHdf5Error);
  });

  it('corrupted zlib data and checksums (MATLAB-written files) are DataFormatErrors naming the file', async () => {
    for (const f of ['corrupted_zlib_data.mat', 'corrupted_zlib_checksum.mat']) {
      const err = await readMatFile(join(FIX, f)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataFormatError);
      expect((err as DataFormatError).file).toContain(f);
      expect((err as Error).message).toMatch(/corrupt zlib stream/);
    }
  });

  it('a flipped byte inside a compressed element is reported as corrupt zlib', async () => {
    const bad = Uint8Array.from(good);
    bad[128 + 8 + 500] = bad[128 + 8 + 500]! ^ 0xff;
    await expect(parseMat(bad, 'flipped.mat')).rejects.toThrow(
      /flipped.mat: .*(corrupt zlib|expected)/,
    );
  });

  it('bytes after the end of a deflate stream inside its element are ignored; later variables still parse', async () => {
    const f = readFileSync(join(FIX, 'crafted_svhn_le_z.mat'));
    const n1 = f.readUInt32LE(132);
    for (const extra of [3, 5000]) {
      const z = Buffer.concat([f.subarray(136, 136 + n1), Buffer.alloc(extra, 0xab)]);
      const tag = Buffer.alloc(8);
      tag.writeUInt32LE(15, 0);
      tag.writeUInt32LE(z.length, 4);
      const file = Buffer.concat([f.subarray(0, 128), tag, z, f.subarray(136 + n1)]);
      const vars = await parseMat(file, 'trailing.mat', { chunkSize: 1000 });
      expect(Array.from(vars.get('y')!.data)).toEqual([10, 1, 2, 9, 10]);
      expect(vars.get('X')!.data.length).toBe(5 * 3072);
    }
  });

  it('truncation anywhere gives a DataFormatError naming the file', async () => {
    for (const src of [good, plain]) {
      // (Exactly 128 bytes is a valid header-only file with no variables.)
      for (const cut of [0, 10, 127, 131, 136, 200, 1000, src.length - 300, src.length - 1]) {
        const err = await parseMat(src.subarray(0, cut), 'cut.mat').catch((e: unknown) => e);
        expect(err, `cut at ${cut}`).toBeInstanceOf(DataFormatError);
        expect((err as DataFormatError).file).toBe('cut.mat');
      }
    }
  });

  it('a header-only file holds no variables', async () => {
    expect((await parseMat(plain.subarray(0, 128), 'h.mat')).size).toBe(0);
  });

  it('a wrong endian indicator or version is named in the error', async () => {
    const bad = Uint8Array.from(plain);
    bad[126] = 0x41;
    await expect(parseMat(bad, 'e.mat')).rejects.toThrow(
      /e.mat: expected the MAT-file endian indicator 'IM' or 'MI'/,
    );
    const v = Uint8Array.from(plain);
    v[124] = 0x05;
    await expect(parseMat(v, 'v.mat')).rejects.toThrow(/v.mat: expected MAT-file version 0x0100/);
  });

  it('dims that disagree with the data size are rejected', async () => {
    // X's dims start right after the array flags in the plain file: patch dim 0 from 32 to 31.
    const bad = Uint8Array.from(plain);
    const at = 128 + 8 + 16 + 8;
    expect(new DataView(bad.buffer).getInt32(at, true)).toBe(32);
    new DataView(bad.buffer).setInt32(at, 31, true);
    await expect(parseMat(bad, 'dims.mat')).rejects.toThrow(
      /dims.mat: variable 'X'.*dims \[31, 32, 3, 7\]/,
    );
  });

  it('a missing file is a DataNotFoundError naming it', async () => {
    const err = await readMatFile(join(FIX, 'nope.mat')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataNotFoundError);
    expect((err as Error).message).toContain('nope.mat');
  });
});

describe('MAT v5 parser fuzz', () => {
  const seeds = [
    readFileSync(join(FIX, 'scipy_svhn_plain.mat')),
    readFileSync(join(FIX, 'scipy_dtypes_compressed.mat')),
    readFileSync(join(FIX, 'crafted_svhn_be_plain.mat')),
  ];

  async function onlyTypedErrors(bytes: Uint8Array, what: string): Promise<void> {
    try {
      await parseMat(bytes, 'fuzz.mat', { chunkSize: 97 });
    } catch (err) {
      expect(err, what).toBeInstanceOf(DataFormatError);
    }
  }

  it('random bytes, mutated headers and tags, random truncations: typed errors only, no hangs', async () => {
    const rng = new Rng(2024);
    const t0 = Date.now();
    let cases = 0;
    for (let i = 0; i < 300; i++) {
      const base = seeds[i % seeds.length]!;
      const mode = i % 4;
      let bytes: Uint8Array;
      if (mode === 0) {
        bytes = new Uint8Array(rng.int(4000));
        for (let k = 0; k < bytes.length; k++) bytes[k] = rng.int(256);
        if (bytes.length >= 128 && rng.next() < 0.7) bytes.set(base.subarray(0, 128)); // valid header, garbage body
      } else if (mode === 1) {
        bytes = Uint8Array.from(base);
        const flips = 1 + rng.int(8);
        // Mutate the structure (tags, flags, dims) where it matters most.
        for (let k = 0; k < flips; k++)
          bytes[128 + rng.int(Math.min(200, bytes.length - 128))] = rng.int(256);
      } else if (mode === 2) {
        bytes = base.subarray(0, rng.int(base.length));
      } else {
        bytes = Uint8Array.from(base);
        for (let k = 0; k < 20; k++) bytes[rng.int(bytes.length)] = rng.int(256);
      }
      await onlyTypedErrors(bytes, `case ${i} mode ${mode}`);
      cases++;
    }
    // Compressed elements: valid zlib around garbage, and zlib of a truncated matrix.
    for (let i = 0; i < 100; i++) {
      const inner = new Uint8Array(8 + rng.int(300));
      for (let k = 0; k < inner.length; k++) inner[k] = rng.int(256);
      new DataView(inner.buffer).setUint32(0, 14, true);
      new DataView(inner.buffer).setUint32(
        4,
        rng.next() < 0.5 ? inner.length - 8 : rng.nextUint32(),
        true,
      );
      const z = deflateSync(inner);
      const file = new Uint8Array(128 + 8 + z.length);
      file.set(seeds[0]!.subarray(0, 128));
      new DataView(file.buffer).setUint32(128, 15, true);
      new DataView(file.buffer).setUint32(132, z.length, true);
      file.set(z, 136);
      await onlyTypedErrors(file, `zlib case ${i}`);
      cases++;
    }
    // Valid zlib around a real matrix whose structure (flags, dims, name, tags) is mutated.
    const real = readFileSync(join(FIX, 'crafted_svhn_le_z.mat'));
    const n1 = real.readUInt32LE(132);
    const matrix = inflateSync(real.subarray(136, 136 + n1));
    for (let i = 0; i < 100; i++) {
      const m = Uint8Array.from(matrix);
      for (let k = 0, flips = 1 + rng.int(4); k < flips; k++) m[rng.int(80)] = rng.int(256);
      const z = deflateSync(m);
      const file = new Uint8Array(128 + 8 + z.length);
      file.set(real.subarray(0, 128));
      new DataView(file.buffer).setUint32(128, 15, true);
      new DataView(file.buffer).setUint32(132, z.length, true);
      file.set(z, 136);
      await onlyTypedErrors(file, `mutated matrix case ${i}`);
      cases++;
    }
    expect(cases).toBe(500);
    expect(Date.now() - t0).toBeLessThan(30_000);
  });
});
