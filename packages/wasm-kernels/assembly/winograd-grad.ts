// The filter gradient of a Winograd F(4x4, 3x3) convolution (see assembly/winograd.ts): with
// V = Bᵀ·d·B (the input tiles, [tiles, c] from winogradInput) and W = A·dy·Aᵀ (the
// output-gradient tiles), 36 GEMMs dU = Vᵀ·W sum over the tiles (planeGemm in
// assembly/kernels.ts), and dg = Gᵀ·dU·G. A module of its own so that each stays under 4 KB.

import { madd, pixel, plane, slot } from './winograd-common';

export { winogradInput } from './winograd-common';

/** A·e for one column e0..e3 of an output-gradient tile, to scratch base + k * step (k < 6). */
function gradColumn(
  e0: v128,
  e1: v128,
  e2: v128,
  e3: v128,
  scratch: usize,
  base: i32,
  step: i32,
): void {
  // A rows (Aᵀ transposed): [1 0 0 0] [1 1 1 1] [1 -1 1 -1] [1 2 4 8] [1 -2 4 -8] [0 0 0 1]
  const s02 = f32x4.add(e0, e2);
  const s13 = f32x4.add(e1, e3);
  const p = madd(f32x4.splat(4), e2, e0);
  const q = madd(f32x4.splat(2), e1, f32x4.mul(f32x4.splat(8), e3));
  v128.store(slot(scratch, base), e0);
  v128.store(slot(scratch, base + step), f32x4.add(s02, s13));
  v128.store(slot(scratch, base + 2 * step), f32x4.sub(s02, s13));
  v128.store(slot(scratch, base + 3 * step), f32x4.add(p, q));
  v128.store(slot(scratch, base + 4 * step), f32x4.sub(p, q));
  v128.store(slot(scratch, base + 5 * step), e3);
}

/**
 * Output-gradient transform W = A·dy·Aᵀ of the chunk of tiles starting at t0 (the 4x4 block of
 * dy each tile produced; positions past [oh, ow] and tiles past the last image read as zero).
 * Plane ij is a row-major [tiles of the chunk, co] matrix; rows from .. to - 1 are written (a
 * thread's share). co must be a multiple of 4.
 */
export function winogradGradOutput(
  dy: usize,
  table: usize,
  scratch: usize,
  n: i32,
  oh: i32,
  ow: i32,
  co: i32,
  tilesH: i32,
  tilesW: i32,
  t0: i32,
  from: i32,
  to: i32,
): void {
  const perImage = tilesH * tilesW;
  for (let t = from; t < to; t++) {
    const tile = t0 + t;
    const b = tile / perImage;
    const inImage = tile - b * perImage;
    const y0 = (inImage / tilesW) * 4;
    const x0 = (inImage % tilesW) * 4;
    const image = dy + ((<usize>b * oh * ow * co) << 2);
    for (let o = 0; o < co; o += 4) {
      const offset = (<usize>(t * co + o)) << 2;
      if (b >= n) {
        for (let k = 0; k < 36; k++) v128.store(plane(table, k, offset), f32x4.splat(0));
        continue;
      }
      const at = image + ((<usize>o) << 2);
      for (let j = 0; j < 4; j++) {
        const col = x0 + j;
        gradColumn(
          pixel(at, y0, col, oh, ow, co),
          pixel(at, y0 + 1, col, oh, ow, co),
          pixel(at, y0 + 2, col, oh, ow, co),
          pixel(at, y0 + 3, col, oh, ow, co),
          scratch,
          j,
          6,
        );
      }
      for (let i = 0; i < 36; i += 6) {
        gradColumn(
          v128.load(slot(scratch, i)),
          v128.load(slot(scratch, i + 1)),
          v128.load(slot(scratch, i + 2)),
          v128.load(slot(scratch, i + 3)),
          scratch,
          i,
          1,
        );
        for (let k = i; k < i + 6; k++)
          v128.store(plane(table, k, offset), v128.load(slot(scratch, k)));
      }
    }
  }
}

/** Gᵀ·u for one column u0..u5, to scratch vectors base + k * step (k < 3). */
function filterGradColumn(
  u0: v128,
  u1: v128,
  u2: v128,
  u3: v128,
  u4: v128,
  u5: v128,
  scratch: usize,
  base: i32,
  step: i32,
): void {
  // Gᵀ rows: [1/4 -1/6 -1/6 1/24 1/24 0] [0 -1/6 1/6 1/12 -1/12 0] [0 -1/6 -1/6 1/6 1/6 1]
  const sixth = f32x4.splat(-1.0 / 6.0);
  const s12 = f32x4.add(u1, u2);
  const s34 = f32x4.add(u3, u4);
  const d34 = f32x4.sub(u3, u4);
  const r0 = madd(u0, f32x4.splat(0.25), f32x4.mul(s12, sixth));
  v128.store(slot(scratch, base), madd(s34, f32x4.splat(1.0 / 24.0), r0));
  const r1 = f32x4.mul(f32x4.sub(u1, u2), sixth);
  v128.store(slot(scratch, base + step), madd(d34, f32x4.splat(1.0 / 12.0), r1));
  v128.store(
    slot(scratch, base + 2 * step),
    madd(s12, sixth, madd(s34, f32x4.splat(1.0 / 6.0), u5)),
  );
}

/**
 * Filter gradient dg = Gᵀ·dU·G from the 36 GEMM products (plane ij: row-major [ci, co]), written
 * to the [3, 3, ci, co] filter gradient (once per layer: the GEMMs sum every chunk first).
 * Only input channels from .. to - 1 are done (a thread's share).
 */
export function winogradFilterGrad(
  table: usize,
  scratch: usize,
  dg: usize,
  ci: i32,
  co: i32,
  from: i32,
  to: i32,
): void {
  const tap = (<usize>ci * co) << 2;
  for (let c = from; c < to; c++) {
    for (let o = 0; o < co; o += 4) {
      const offset = (<usize>(c * co + o)) << 2;
      for (let j = 0; j < 6; j++) {
        filterGradColumn(
          v128.load(plane(table, j, offset)),
          v128.load(plane(table, 6 + j, offset)),
          v128.load(plane(table, 12 + j, offset)),
          v128.load(plane(table, 18 + j, offset)),
          v128.load(plane(table, 24 + j, offset)),
          v128.load(plane(table, 30 + j, offset)),
          scratch,
          j,
          6,
        );
      }
      for (let i = 0; i < 3; i++) {
        const p = i * 6;
        filterGradColumn(
          v128.load(slot(scratch, p)),
          v128.load(slot(scratch, p + 1)),
          v128.load(slot(scratch, p + 2)),
          v128.load(slot(scratch, p + 3)),
          v128.load(slot(scratch, p + 4)),
          v128.load(slot(scratch, p + 5)),
          scratch,
          p,
          1,
        );
        for (let k = 0; k < 3; k++) {
          const at = dg + <usize>(i * 3 + k) * tap + offset;
          const v = v128.load(slot(scratch, p + k));
          v128.store(at, v);
        }
      }
    }
  }
}
