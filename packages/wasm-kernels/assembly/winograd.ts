// Winograd F(4x4, 3x3) transforms (Lavin & Gray, "Fast Algorithms for Convolutional Neural
// Networks", 2016): a 3x3 stride-1 convolution becomes 36 independent GEMMs over 6x6 input
// tiles (4x4 outputs each), 2.25x fewer multiplications than the direct convolution. The GEMMs
// run on XNNPACK (tfjs's own matmul); these kernels are the three transforms around them.
//
// Each transform reads or writes 36 "planes", one per element of the 6x6 tile, given as a
// table of 36 heap addresses (i32 each): the planes are separate tfjs tensors. Every transform
// is separable (rows, then columns); the first pass writes its intermediate into the planes
// themselves, so the module still needs no memory of its own. Four channels per SIMD vector.

function plane(table: usize, k: i32, offset: usize): usize {
  return <usize>load<u32>(table + ((<usize>k) << 2)) + offset;
}

/** The six outputs of Bᵀ·d for one column d0..d5, stored to planes at[k] = base + k * step. */
function inputColumn(
  d0: v128,
  d1: v128,
  d2: v128,
  d3: v128,
  d4: v128,
  d5: v128,
  table: usize,
  base: i32,
  step: i32,
  offset: usize,
): void {
  const four = f32x4.splat(4);
  const five = f32x4.splat(5);
  const two = f32x4.splat(2);
  // Bᵀ rows: [4 0 -5 0 1 0] [0 -4 -4 1 1 0] [0 4 -4 -1 1 0] [0 -2 -1 2 1 0] [0 2 -1 -2 1 0]
  //          [0 4 0 -5 0 1]
  const t0 = f32x4.add(f32x4.sub(f32x4.mul(four, d0), f32x4.mul(five, d2)), d4);
  const t1 = f32x4.sub(f32x4.add(d3, d4), f32x4.mul(four, f32x4.add(d1, d2)));
  const t2 = f32x4.add(f32x4.mul(four, f32x4.sub(d1, d2)), f32x4.sub(d4, d3));
  const e = f32x4.mul(two, f32x4.sub(d3, d1));
  const f = f32x4.sub(d4, d2);
  const t5 = f32x4.add(f32x4.sub(f32x4.mul(four, d1), f32x4.mul(five, d3)), d5);
  v128.store(plane(table, base, offset), t0);
  v128.store(plane(table, base + step, offset), t1);
  v128.store(plane(table, base + 2 * step, offset), t2);
  v128.store(plane(table, base + 3 * step, offset), f32x4.add(e, f));
  v128.store(plane(table, base + 4 * step, offset), f32x4.sub(f, e));
  v128.store(plane(table, base + 5 * step, offset), t5);
}

function pixel(x: usize, row: i32, col: i32, h: i32, w: i32, c: i32): v128 {
  if (row < 0 || row >= h || col < 0 || col >= w) return f32x4.splat(0);
  return v128.load(x + ((<usize>(row * w + col) * c) << 2));
}

/**
 * Input transform V = Bᵀ·d·B of tiles t0 .. t0 + tc - 1 (tile t: image t / (tilesH·tilesW),
 * then row-major over tiles of 4x4 outputs, each reading a 6x6 window at stride 4). Plane ij
 * receives a row-major [tc, c] matrix; tiles past the last one (a partly filled chunk) get
 * zeros. Input positions outside the image (padding) read as zero. c must be a multiple of 4.
 */
export function winogradInput(
  x: usize,
  table: usize,
  n: i32,
  h: i32,
  w: i32,
  c: i32,
  tilesH: i32,
  tilesW: i32,
  t0: i32,
  tc: i32,
  padTop: i32,
  padLeft: i32,
): void {
  const perImage = tilesH * tilesW;
  for (let t = 0; t < tc; t++) {
    const tile = t0 + t;
    const b = tile / perImage;
    const inImage = tile - b * perImage;
    const r0 = (inImage / tilesW) * 4 - padTop;
    const c0 = (inImage % tilesW) * 4 - padLeft;
    const image = x + ((<usize>b * h * w * c) << 2);
    for (let ch = 0; ch < c; ch += 4) {
      const offset = (<usize>(t * c + ch)) << 2;
      if (b >= n) {
        for (let k = 0; k < 36; k++) v128.store(plane(table, k, offset), f32x4.splat(0));
        continue;
      }
      const at = image + ((<usize>ch) << 2);
      // Columns: Bᵀ·d, one input column j at a time, into planes (k, j).
      for (let j = 0; j < 6; j++) {
        const col = c0 + j;
        inputColumn(
          pixel(at, r0, col, h, w, c),
          pixel(at, r0 + 1, col, h, w, c),
          pixel(at, r0 + 2, col, h, w, c),
          pixel(at, r0 + 3, col, h, w, c),
          pixel(at, r0 + 4, col, h, w, c),
          pixel(at, r0 + 5, col, h, w, c),
          table,
          j,
          6,
          offset,
        );
      }
      // Rows: (Bᵀ·d)·B, one row i at a time, in place.
      for (let i = 0; i < 36; i += 6) {
        inputColumn(
          v128.load(plane(table, i, offset)),
          v128.load(plane(table, i + 1, offset)),
          v128.load(plane(table, i + 2, offset)),
          v128.load(plane(table, i + 3, offset)),
          v128.load(plane(table, i + 4, offset)),
          v128.load(plane(table, i + 5, offset)),
          table,
          i,
          1,
          offset,
        );
      }
    }
  }
}

/** The six outputs of G·g for one column g0..g2 of the 3x3 filter, stored as inputColumn. */
function filterColumn(
  g0: v128,
  g1: v128,
  g2: v128,
  table: usize,
  base: i32,
  step: i32,
  offset: usize,
): void {
  // G rows: [1/4 0 0] [-1/6 -1/6 -1/6] [-1/6 1/6 -1/6] [1/24 1/12 1/6] [1/24 -1/12 1/6] [0 0 1]
  const s02 = f32x4.add(g0, g2);
  const sixth = f32x4.splat(-1.0 / 6.0);
  const q = f32x4.add(
    f32x4.mul(g0, f32x4.splat(1.0 / 24.0)),
    f32x4.mul(g2, f32x4.splat(1.0 / 6.0)),
  );
  const r = f32x4.mul(g1, f32x4.splat(1.0 / 12.0));
  v128.store(plane(table, base, offset), f32x4.mul(g0, f32x4.splat(0.25)));
  v128.store(plane(table, base + step, offset), f32x4.mul(f32x4.add(s02, g1), sixth));
  v128.store(plane(table, base + 2 * step, offset), f32x4.mul(f32x4.sub(s02, g1), sixth));
  v128.store(plane(table, base + 3 * step, offset), f32x4.add(q, r));
  v128.store(plane(table, base + 4 * step, offset), f32x4.sub(q, r));
  v128.store(plane(table, base + 5 * step, offset), g2);
}

/**
 * Filter transform U = G·g·Gᵀ of a [3, 3, ci, co] (HWIO) filter: plane ij receives the
 * row-major [ci, co] matrix the GEMM multiplies by. co must be a multiple of 4.
 */
export function winogradFilter(g: usize, table: usize, ci: i32, co: i32): void {
  const tap = (<usize>ci * co) << 2;
  for (let c = 0; c < ci; c++) {
    for (let o = 0; o < co; o += 4) {
      const offset = (<usize>(c * co + o)) << 2;
      const at = g + offset;
      // Columns s of the filter: G·g[:, s] into planes (k, s).
      for (let s = 0; s < 3; s++) {
        const p = at + <usize>s * tap;
        filterColumn(
          v128.load(p),
          v128.load(p + 3 * tap),
          v128.load(p + 6 * tap),
          table,
          s,
          6,
          offset,
        );
      }
      // Rows: (G·g)·Gᵀ, in place (the three inputs are read before the six stores).
      for (let i = 0; i < 36; i += 6) {
        filterColumn(
          v128.load(plane(table, i, offset)),
          v128.load(plane(table, i + 1, offset)),
          v128.load(plane(table, i + 2, offset)),
          table,
          i,
          1,
          offset,
        );
      }
    }
  }
}

/** Aᵀ·m for one column m0..m5 as four vectors, stored to planes base + k * step (k < 4). */
function outputColumn(
  m0: v128,
  m1: v128,
  m2: v128,
  m3: v128,
  m4: v128,
  m5: v128,
  table: usize,
  base: i32,
  step: i32,
  offset: usize,
): void {
  // Aᵀ rows: [1 1 1 1 1 0] [0 1 -1 2 -2 0] [0 1 1 4 4 0] [0 1 -1 8 -8 1]
  const a = f32x4.add(m1, m2);
  const b = f32x4.sub(m1, m2);
  const c = f32x4.add(m3, m4);
  const d = f32x4.sub(m3, m4);
  v128.store(plane(table, base, offset), f32x4.add(f32x4.add(m0, a), c));
  v128.store(plane(table, base + step, offset), f32x4.add(b, f32x4.mul(f32x4.splat(2), d)));
  v128.store(plane(table, base + 2 * step, offset), f32x4.add(a, f32x4.mul(f32x4.splat(4), c)));
  v128.store(
    plane(table, base + 3 * step, offset),
    f32x4.add(f32x4.add(b, f32x4.mul(f32x4.splat(8), d)), m5),
  );
}

function finish(v: v128, bias: v128, relu: bool): v128 {
  const out = f32x4.add(v, bias);
  return relu ? f32x4.max(out, f32x4.splat(0)) : out;
}

/**
 * Output transform y = Aᵀ·m·A of tiles t0 .. t0 + tc - 1 from the 36 GEMM products (plane ij:
 * row-major [tc, co]), plus a per-channel bias (address 0: none) and, if relu is set, max(0, ·).
 * Writes only the outputs inside [n, oh, ow, co] (edge tiles are cut); the planes are used as
 * scratch. co must be a multiple of 4.
 */
export function winogradOutput(
  table: usize,
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
  tc: i32,
): void {
  const perImage = tilesH * tilesW;
  for (let t = 0; t < tc; t++) {
    const tile = t0 + t;
    const b = tile / perImage;
    if (b >= n) break;
    const inImage = tile - b * perImage;
    const y0 = (inImage / tilesW) * 4;
    const x0 = (inImage % tilesW) * 4;
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
          table,
          j,
          6,
          offset,
        );
      }
      const bv = bias === 0 ? f32x4.splat(0) : v128.load(bias + ((<usize>o) << 2));
      for (let i = 0; i < 4; i++) {
        const row = y0 + i;
        if (row >= oh) break;
        const p = i * 6;
        // Row i of (Aᵀ·m), times A: the planes (i, 0..5) become outputs (i, 0..3), in place.
        outputColumn(
          v128.load(plane(table, p, offset)),
          v128.load(plane(table, p + 1, offset)),
          v128.load(plane(table, p + 2, offset)),
          v128.load(plane(table, p + 3, offset)),
          v128.load(plane(table, p + 4, offset)),
          v128.load(plane(table, p + 5, offset)),
          table,
          p,
          1,
          offset,
        );
        const out = y + ((<usize>(((b * oh + row) * ow + x0) * co + o)) << 2);
        for (let k = 0; k < cols; k++) {
          const v = v128.load(plane(table, p + k, offset));
          v128.store(out + ((<usize>(k * co)) << 2), finish(v, bv, relu));
        }
      }
    }
  }
}
