// Shared by the Winograd modules (assembly/winograd.ts, assembly/winograd-grad.ts): heap
// addressing, the scratch vectors and the input transform. See assembly/winograd.ts.

export function plane(table: usize, k: i32, offset: usize): usize {
  return <usize>load<u32>(table + ((<usize>k) << 2)) + offset;
}

/**
 * a * b + c, lane-wise: one fused multiply-add in the relaxed-SIMD builds, else a multiply then
 * an add (a compile-time branch).
 */
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** Scratch vector k (0..35). */
export function slot(scratch: usize, k: i32): usize {
  return scratch + ((<usize>k) << 4);
}

/** Bᵀ·d for one column d0..d5, to scratch vectors base + k * step (k < 6). */
export function inputColumn(
  d0: v128,
  d1: v128,
  d2: v128,
  d3: v128,
  d4: v128,
  d5: v128,
  scratch: usize,
  base: i32,
  step: i32,
): void {
  const four = f32x4.splat(4);
  const two = f32x4.splat(2);
  // Bᵀ rows: [4 0 -5 0 1 0] [0 -4 -4 1 1 0] [0 4 -4 -1 1 0] [0 -2 -1 2 1 0] [0 2 -1 -2 1 0]
  //          [0 4 0 -5 0 1]
  const minusFive = f32x4.splat(-5);
  const minusFour = f32x4.splat(-4);
  const e = f32x4.sub(d3, d1);
  const f = f32x4.sub(d4, d2);
  v128.store(slot(scratch, base), madd(four, d0, madd(minusFive, d2, d4)));
  v128.store(slot(scratch, base + step), madd(minusFour, f32x4.add(d1, d2), f32x4.add(d3, d4)));
  v128.store(slot(scratch, base + 2 * step), madd(four, f32x4.sub(d1, d2), f32x4.sub(d4, d3)));
  v128.store(slot(scratch, base + 3 * step), madd(two, e, f));
  v128.store(slot(scratch, base + 4 * step), madd(f32x4.neg(two), e, f));
  v128.store(slot(scratch, base + 5 * step), madd(four, d1, madd(minusFive, d3, d5)));
}

export function pixel(x: usize, row: i32, col: i32, h: i32, w: i32, c: i32): v128 {
  if (row < 0 || row >= h || col < 0 || col >= w) return f32x4.splat(0);
  return v128.load(x + ((<usize>(row * w + col) * c) << 2));
}

/**
 * Input transform V = Bᵀ·d·B of the chunk of tiles starting at tile t0 (tile t: image
 * t / (tilesH·tilesW), then row-major over tiles of 4x4 outputs, each reading a 6x6 window at
 * stride 4). Plane ij is a row-major [tiles of the chunk, c] matrix; rows from .. to - 1 are
 * written (tiles t0 + from .. t0 + to - 1: the threads of a split transform take one row range
 * each). Tiles past the last image (a partly filled chunk) get zeros; positions outside the
 * image (padding) read as zero. c must be a multiple of 4.
 */
export function winogradInput(
  x: usize,
  table: usize,
  scratch: usize,
  n: i32,
  h: i32,
  w: i32,
  c: i32,
  tilesH: i32,
  tilesW: i32,
  t0: i32,
  padTop: i32,
  padLeft: i32,
  from: i32,
  to: i32,
): void {
  const perImage = tilesH * tilesW;
  for (let t = from; t < to; t++) {
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
      for (let j = 0; j < 6; j++) {
        const col = c0 + j;
        inputColumn(
          pixel(at, r0, col, h, w, c),
          pixel(at, r0 + 1, col, h, w, c),
          pixel(at, r0 + 2, col, h, w, c),
          pixel(at, r0 + 3, col, h, w, c),
          pixel(at, r0 + 4, col, h, w, c),
          pixel(at, r0 + 5, col, h, w, c),
          scratch,
          j,
          6,
        );
      }
      for (let i = 0; i < 36; i += 6) {
        inputColumn(
          v128.load(slot(scratch, i)),
          v128.load(slot(scratch, i + 1)),
          v128.load(slot(scratch, i + 2)),
          v128.load(slot(scratch, i + 3)),
          v128.load(slot(scratch, i + 4)),
          v128.load(slot(scratch, i + 5)),
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
