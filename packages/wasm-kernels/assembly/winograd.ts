// Winograd F(4x4, 3x3) transforms (Lavin & Gray, "Fast Algorithms for Convolutional Neural
// Networks", 2016): a 3x3 stride-1 convolution becomes 36 independent GEMMs over 6x6 input
// tiles (4x4 outputs each), 2.25x fewer multiplications than the direct convolution. The GEMMs
// run on XNNPACK (tfjs's own matmul); these kernels are the three transforms around them.
//
// Each transform reads or writes 36 "planes", one per element of the 6x6 tile, given as a
// table of 36 heap addresses (i32 each): the planes are separate tfjs tensors. Every transform
// is separable (columns, then rows); the first pass writes its intermediate to `scratch`, 36
// vectors (576 bytes) the caller allocates, so the module still needs no memory of its own.
// Four channels per SIMD vector.
//
// The filter gradient's transforms are in assembly/winograd-grad.ts.

import { madd, plane, slot } from './winograd-common';

export { winogradInput } from './winograd-common';

/** G·g for one column g0..g2 of the 3x3 filter, to scratch vectors base + k * step (k < 6). */
function filterColumn(g0: v128, g1: v128, g2: v128, scratch: usize, base: i32, step: i32): void {
  // G rows: [1/4 0 0] [-1/6 -1/6 -1/6] [-1/6 1/6 -1/6] [1/24 1/12 1/6] [1/24 -1/12 1/6] [0 0 1]
  const s02 = f32x4.add(g0, g2);
  const sixth = f32x4.splat(-1.0 / 6.0);
  const q = madd(g0, f32x4.splat(1.0 / 24.0), f32x4.mul(g2, f32x4.splat(1.0 / 6.0)));
  v128.store(slot(scratch, base), f32x4.mul(g0, f32x4.splat(0.25)));
  v128.store(slot(scratch, base + step), f32x4.mul(f32x4.add(s02, g1), sixth));
  v128.store(slot(scratch, base + 2 * step), f32x4.mul(f32x4.sub(s02, g1), sixth));
  v128.store(slot(scratch, base + 3 * step), madd(g1, f32x4.splat(1.0 / 12.0), q));
  v128.store(slot(scratch, base + 4 * step), madd(g1, f32x4.splat(-1.0 / 12.0), q));
  v128.store(slot(scratch, base + 5 * step), g2);
}

/**
 * Filter transform U = G·g·Gᵀ of a [3, 3, ci, co] (HWIO) filter: plane ij receives the
 * row-major [ci, co] matrix the GEMM multiplies by. co must be a multiple of 4. Only input
 * channels from .. to - 1 are transformed (a thread's share).
 */
export function winogradFilter(
  g: usize,
  table: usize,
  scratch: usize,
  ci: i32,
  co: i32,
  from: i32,
  to: i32,
): void {
  const tap = (<usize>ci * co) << 2;
  for (let c = from; c < to; c++) {
    for (let o = 0; o < co; o += 4) {
      const offset = (<usize>(c * co + o)) << 2;
      const at = g + offset;
      for (let s = 0; s < 3; s++) {
        const p = at + <usize>s * tap;
        filterColumn(v128.load(p), v128.load(p + 3 * tap), v128.load(p + 6 * tap), scratch, s, 6);
      }
      for (let i = 0; i < 36; i += 6) {
        filterColumn(
          v128.load(slot(scratch, i)),
          v128.load(slot(scratch, i + 1)),
          v128.load(slot(scratch, i + 2)),
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

/** Aᵀ·m for one column m0..m5, to scratch vectors base + k * step (k < 4). */
function outputColumn(
  m0: v128,
  m1: v128,
  m2: v128,
  m3: v128,
  m4: v128,
  m5: v128,
  scratch: usize,
  base: i32,
  step: i32,
): void {
  // Aᵀ rows: [1 1 1 1 1 0] [0 1 -1 2 -2 0] [0 1 1 4 4 0] [0 1 -1 8 -8 1]
  const a = f32x4.add(m1, m2);
  const b = f32x4.sub(m1, m2);
  const c = f32x4.add(m3, m4);
  const d = f32x4.sub(m3, m4);
  v128.store(slot(scratch, base), f32x4.add(f32x4.add(m0, a), c));
  v128.store(slot(scratch, base + step), madd(f32x4.splat(2), d, b));
  v128.store(slot(scratch, base + 2 * step), madd(f32x4.splat(4), c, a));
  v128.store(slot(scratch, base + 3 * step), madd(f32x4.splat(8), d, f32x4.add(b, m5)));
}

/**
 * Output transform y = Aᵀ·m·A of the chunk of tiles starting at t0 from the 36 GEMM products
 * (plane ij: row-major [tiles of the chunk, co]), plus a per-channel bias (address 0: none) and,
 * if relu is set, max(0, ·). Rows from .. to - 1 of the planes (tiles t0 + from .. t0 + to - 1,
 * a thread's share) are transformed; only outputs inside [n, oh, ow, co] are written (edge
 * tiles are cut). co: a multiple of 4.
 */
export function winogradOutput(
  table: usize,
  scratch: usize,
  y: usize,
  bias: usize,
  relu: bool,
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
    if (b >= n) break;
    const inImage = tile - b * perImage;
    const y0 = (inImage / tilesW) * 4;
    const x0 = (inImage % tilesW) * 4;
    const rows = min(4, oh - y0);
    const cols = min(4, ow - x0);
    for (let o = 0; o < co; o += 4) {
      const offset = (<usize>(t * co + o)) << 2;
      for (let j = 0; j < 6; j++) {
        outputColumn(
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
      const bv = bias === 0 ? f32x4.splat(0) : v128.load(bias + ((<usize>o) << 2));
      for (let i = 0; i < rows; i++) {
        const p = i * 6;
        // Row i of Aᵀ·m, times A: scratch (i, 0..5) becomes outputs (i, 0..3), in place.
        outputColumn(
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
        const out = y + ((<usize>(((b * oh + y0 + i) * ow + x0) * co + o)) << 2);
        for (let k = 0; k < cols; k++) {
          let v = f32x4.add(v128.load(slot(scratch, p + k)), bv);
          if (relu) v = f32x4.max(v, f32x4.splat(0));
          v128.store(out + ((<usize>(k * co)) << 2), v);
        }
      }
    }
  }
}
