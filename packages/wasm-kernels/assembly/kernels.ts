// Kernels compiled to wasm (128-bit SIMD) with AssemblyScript. They run on the memory of the
// tfjs wasm backend itself (the module imports it), so every argument is a byte offset into
// that heap. The module has no data segment and allocates nothing: it cannot touch memory
// that tfjs did not hand it. Rebuild with `pnpm --filter @sevar/wasm-kernels build:wasm`.

/**
 * MaxPoolGrad, NHWC float32: dx (zeroed here) receives, for each window and channel, the
 * window's dy at the position of its first strict maximum in row-major order (TensorFlow's
 * and the cpu backend's choice; a window holding only NaN or -Infinity routes nothing).
 * Four channels at a time, branch-free within a window. Only images from .. to - 1 are done (a
 * thread's share; a window never reaches past its image).
 */
export function maxPoolGrad(
  x: usize,
  dy: usize,
  dx: usize,
  n: i32,
  h: i32,
  w: i32,
  c: i32,
  oh: i32,
  ow: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  padTop: i32,
  padLeft: i32,
  from: i32,
  to: i32,
): void {
  const image = (<usize>h * w * c) << 2;
  memory.fill(dx + <usize>from * image, 0, <usize>(to - from) * image);
  const c4 = c & ~3;
  const none = i32x4.splat(-1);
  const lowest = f32x4.splat(-Infinity);
  for (let b = from; b < to; b++) {
    for (let yr = 0; yr < oh; yr++) {
      const r0 = max(0, yr * sh - padTop);
      const r1 = min(h, yr * sh - padTop + kh);
      for (let yc = 0; yc < ow; yc++) {
        const c0 = max(0, yc * sw - padLeft);
        const c1 = min(w, yc * sw - padLeft + kw);
        const g = dy + ((<usize>((b * oh + yr) * ow + yc) * c) << 2);
        let ch = 0;
        for (; ch < c4; ch += 4) {
          let best = lowest;
          let at = none;
          for (let r = r0; r < r1; r++) {
            let pos = ((b * h + r) * w + c0) * c + ch;
            for (let q = c0; q < c1; q++, pos += c) {
              const v = v128.load(x + ((<usize>pos) << 2));
              const more = f32x4.gt(v, best);
              best = v128.bitselect(v, best, more);
              const idx = i32x4.add(i32x4.splat(pos), i32x4(0, 1, 2, 3));
              at = v128.bitselect(idx, at, more);
            }
          }
          const gv = v128.load(g + ((<usize>ch) << 2));
          scatterAdd(dx, i32x4.extract_lane(at, 0), f32x4.extract_lane(gv, 0));
          scatterAdd(dx, i32x4.extract_lane(at, 1), f32x4.extract_lane(gv, 1));
          scatterAdd(dx, i32x4.extract_lane(at, 2), f32x4.extract_lane(gv, 2));
          scatterAdd(dx, i32x4.extract_lane(at, 3), f32x4.extract_lane(gv, 3));
        }
        for (; ch < c; ch++) {
          let best: f32 = -Infinity;
          let at = -1;
          for (let r = r0; r < r1; r++) {
            let pos = ((b * h + r) * w + c0) * c + ch;
            for (let q = c0; q < c1; q++, pos += c) {
              const v = load<f32>(x + ((<usize>pos) << 2));
              if (v > best) {
                best = v;
                at = pos;
              }
            }
          }
          scatterAdd(dx, at, load<f32>(g + ((<usize>ch) << 2)));
        }
      }
    }
  }
}

function scatterAdd(dx: usize, at: i32, value: f32): void {
  if (at >= 0) {
    const p = dx + ((<usize>at) << 2);
    store<f32>(p, load<f32>(p) + value);
  }
}

/**
 * a * b + c, lane-wise: one fused multiply-add where the module is built with relaxed SIMD
 * (`--enable relaxed-simd`), else a multiply then an add. The compiler inlines it and drops the
 * branch not taken (a compile-time constant).
 */
function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** floor(a / b) for b > 0. */
function floorDiv(a: i32, b: i32): i32 {
  const q = a / b;
  return q * b > a ? q - 1 : q;
}

// Shape of the current conv2dBackpropFilter call, shared with its tile loops.
let gH: i32 = 0;
let gW: i32 = 0;
let gCi: i32 = 0;
let gOh: i32 = 0;
let gOw: i32 = 0;
let gCo: i32 = 0;
let gSh: i32 = 0;
let gSw: i32 = 0;
let gTapY: i32 = 0;
let gShift: i32 = 0;
let gOxLo: i32 = 0;
let gCount: i32 = 0;

/**
 * Conv2DBackpropFilter, NHWC float32, as an implicit-im2col GEMM: dw[kh, kw, ci, co] is the
 * sum over output pixels of x (at the pixel's tap) times dy. Output rows are taken in chunks
 * whose dy fits in the L2 cache; for each filter tap, a register tile of 2 input channels x 16
 * output channels accumulates over all of the chunk's pixels (narrower tiles at the edges).
 * Taps that fall in the padding contribute nothing and are skipped a row range at a time.
 * Only input channels from .. to - 1 are done (a thread's share), and they are added to what dw
 * holds: the caller zeroes it first.
 */
export function conv2dBackpropFilter(
  x: usize,
  dy: usize,
  dw: usize,
  n: i32,
  h: i32,
  w: i32,
  ci: i32,
  oh: i32,
  ow: i32,
  co: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  dilH: i32,
  dilW: i32,
  padTop: i32,
  padLeft: i32,
  from: i32,
  to: i32,
): void {
  gH = h;
  gW = w;
  gCi = ci;
  gOh = oh;
  gOw = ow;
  gCo = co;
  gSh = sh;
  gSw = sw;
  const rows = n * oh;
  // About 96 KB of dy per chunk.
  const chunk = max(1, 24576 / max(1, ow * co));
  for (let r0 = 0; r0 < rows; r0 += chunk) {
    const r1 = min(rows, r0 + chunk);
    for (let a = 0; a < kh; a++) {
      gTapY = a * dilH - padTop;
      for (let b = 0; b < kw; b++) {
        const shift = b * dilW - padLeft;
        const oxLo = max(0, floorDiv(-shift + sw - 1, sw));
        const oxHi = min(ow, floorDiv(w - 1 - shift, sw) + 1);
        if (oxLo >= oxHi) continue;
        gShift = shift;
        gOxLo = oxLo;
        gCount = oxHi - oxLo;
        const tap = dw + ((<usize>(a * kw + b) * ci * co) << 2);
        for (let c = from; c < to;) {
          const pair = c + 1 < to;
          for (let o = 0; o < co;) {
            const out0 = tap + ((<usize>(c * co + o)) << 2);
            if (o + 16 <= co) {
              if (pair) tile2x16(x, dy, out0, r0, r1, c, o);
              else tile1x16(x, dy, out0, r0, r1, c, o);
              o += 16;
            } else if (o + 4 <= co) {
              tile1x4(x, dy, out0, r0, r1, c, o);
              if (pair) tile1x4(x, dy, out0 + ((<usize>co) << 2), r0, r1, c + 1, o);
              o += 4;
            } else {
              tile1x1(x, dy, out0, r0, r1, c, o);
              if (pair) tile1x1(x, dy, out0 + ((<usize>co) << 2), r0, r1, c + 1, o);
              o += 1;
            }
          }
          c += pair ? 2 : 1;
        }
      }
    }
  }
}

/** Byte address of x at (row's image, tap row, first valid column) and channel c, or 0. */
function xRow(x: usize, row: i32, c: i32): usize {
  const img = row / gOh;
  const iy = (row - img * gOh) * gSh + gTapY;
  if (iy < 0 || iy >= gH) return 0;
  return x + ((<usize>(((img * gH + iy) * gW + gOxLo * gSw + gShift) * gCi + c)) << 2);
}

function dyRow(dy: usize, row: i32, o: i32): usize {
  return dy + ((<usize>((row * gOw + gOxLo) * gCo + o)) << 2);
}

function tile2x16(x: usize, dy: usize, out0: usize, r0: i32, r1: i32, c: i32, o: i32): void {
  const out1 = out0 + ((<usize>gCo) << 2);
  const xStep = (<usize>(gSw * gCi)) << 2;
  const dyStep = (<usize>gCo) << 2;
  let a0 = v128.load(out0);
  let a1 = v128.load(out0, 16);
  let a2 = v128.load(out0, 32);
  let a3 = v128.load(out0, 48);
  let b0 = v128.load(out1);
  let b1 = v128.load(out1, 16);
  let b2 = v128.load(out1, 32);
  let b3 = v128.load(out1, 48);
  for (let row = r0; row < r1; row++) {
    let xp = xRow(x, row, c);
    if (xp == 0) continue;
    let dyp = dyRow(dy, row, o);
    for (let i = 0; i < gCount; i++) {
      const u = v128.load32_splat(xp);
      const v = v128.load32_splat(xp, 4);
      const d0 = v128.load(dyp);
      const d1 = v128.load(dyp, 16);
      const d2 = v128.load(dyp, 32);
      const d3 = v128.load(dyp, 48);
      a0 = madd(u, d0, a0);
      a1 = madd(u, d1, a1);
      a2 = madd(u, d2, a2);
      a3 = madd(u, d3, a3);
      b0 = madd(v, d0, b0);
      b1 = madd(v, d1, b1);
      b2 = madd(v, d2, b2);
      b3 = madd(v, d3, b3);
      xp += xStep;
      dyp += dyStep;
    }
  }
  v128.store(out0, a0);
  v128.store(out0, a1, 16);
  v128.store(out0, a2, 32);
  v128.store(out0, a3, 48);
  v128.store(out1, b0);
  v128.store(out1, b1, 16);
  v128.store(out1, b2, 32);
  v128.store(out1, b3, 48);
}

function tile1x16(x: usize, dy: usize, out0: usize, r0: i32, r1: i32, c: i32, o: i32): void {
  const xStep = (<usize>(gSw * gCi)) << 2;
  const dyStep = (<usize>gCo) << 2;
  let a0 = v128.load(out0);
  let a1 = v128.load(out0, 16);
  let a2 = v128.load(out0, 32);
  let a3 = v128.load(out0, 48);
  for (let row = r0; row < r1; row++) {
    let xp = xRow(x, row, c);
    if (xp == 0) continue;
    let dyp = dyRow(dy, row, o);
    for (let i = 0; i < gCount; i++) {
      const u = v128.load32_splat(xp);
      a0 = madd(u, v128.load(dyp), a0);
      a1 = madd(u, v128.load(dyp, 16), a1);
      a2 = madd(u, v128.load(dyp, 32), a2);
      a3 = madd(u, v128.load(dyp, 48), a3);
      xp += xStep;
      dyp += dyStep;
    }
  }
  v128.store(out0, a0);
  v128.store(out0, a1, 16);
  v128.store(out0, a2, 32);
  v128.store(out0, a3, 48);
}

function tile1x4(x: usize, dy: usize, out0: usize, r0: i32, r1: i32, c: i32, o: i32): void {
  const xStep = (<usize>(gSw * gCi)) << 2;
  const dyStep = (<usize>gCo) << 2;
  let a0 = v128.load(out0);
  for (let row = r0; row < r1; row++) {
    let xp = xRow(x, row, c);
    if (xp == 0) continue;
    let dyp = dyRow(dy, row, o);
    for (let i = 0; i < gCount; i++) {
      a0 = madd(v128.load32_splat(xp), v128.load(dyp), a0);
      xp += xStep;
      dyp += dyStep;
    }
  }
  v128.store(out0, a0);
}

function tile1x1(x: usize, dy: usize, out0: usize, r0: i32, r1: i32, c: i32, o: i32): void {
  const xStep = (<usize>(gSw * gCi)) << 2;
  const dyStep = (<usize>gCo) << 2;
  let a0 = load<f32>(out0);
  for (let row = r0; row < r1; row++) {
    let xp = xRow(x, row, c);
    if (xp == 0) continue;
    let dyp = dyRow(dy, row, o);
    for (let i = 0; i < gCount; i++) {
      a0 += load<f32>(xp) * load<f32>(dyp);
      xp += xStep;
      dyp += dyStep;
    }
  }
  store<f32>(out0, a0);
}

/** Address of plane k of a table of 36 (or fewer) i32 heap addresses. */
function planeAt(table: usize, k: i32): usize {
  return <usize>load<u32>(table + ((<usize>k) << 2));
}

/**
 * The GEMMs between the Winograd transforms: for planes k = from .. to - 1 (addresses in the
 * i32 tables a, b, c), rows rowFrom .. rowTo - 1 of C_k (+)= A_k·B_k, with C_k a row-major
 * [m, n] matrix and B_k a row-major [depth, n] one. A_k's element (row i, column p) is at byte
 * (p * aStep + i * aRow) * 4: aStep 1 and aRow depth for a row-major [m, depth] A_k (the forward
 * convolution: tiles x Ci times Ci x Co; threads take row ranges, the tiles their transforms
 * wrote), aStep m and aRow 1 for a transposed one (the filter gradient: Vᵀ·W over the tiles;
 * threads take planes). n must be a multiple of 4. Register tiles of 2 rows x 16 columns (4 at
 * the right edge) accumulate over the whole depth, so each C_k is written once per call.
 * `accumulate` adds the call's products to what C_k holds (the chunks of a layer); otherwise C_k
 * is overwritten.
 */
export function planeGemm(
  a: usize,
  b: usize,
  c: usize,
  rowFrom: i32,
  rowTo: i32,
  n: i32,
  depth: i32,
  aStep: i32,
  aRow: i32,
  accumulate: bool,
  from: i32,
  to: i32,
): void {
  const stepBytes = (<usize>aStep) << 2;
  const rowBytes = (<usize>aRow) << 2;
  const nBytes = (<usize>n) << 2;
  for (let k = from; k < to; k++) {
    const ak = planeAt(a, k);
    const bk = planeAt(b, k);
    const ck = planeAt(c, k);
    for (let i = rowFrom; i < rowTo; i += 2) {
      const a0 = ak + <usize>i * rowBytes;
      // An odd last row reads its own row twice and stores once.
      const a1 = i + 1 < rowTo ? a0 + rowBytes : a0;
      const c0 = ck + <usize>i * nBytes;
      const c1 = i + 1 < rowTo ? c0 + nBytes : 0;
      let j = 0;
      for (; j + 16 <= n; j += 16) {
        const off = (<usize>j) << 2;
        gemmTile16(
          a0,
          a1,
          bk + off,
          c0 + off,
          c1 === 0 ? 0 : c1 + off,
          depth,
          stepBytes,
          nBytes,
          accumulate,
        );
      }
      for (; j < n; j += 4) {
        const off = (<usize>j) << 2;
        gemmTile4(
          a0,
          a1,
          bk + off,
          c0 + off,
          c1 === 0 ? 0 : c1 + off,
          depth,
          stepBytes,
          nBytes,
          accumulate,
        );
      }
    }
  }
}

function gemmTile16(
  a0: usize,
  a1: usize,
  b: usize,
  c0: usize,
  c1: usize,
  depth: i32,
  stepBytes: usize,
  nBytes: usize,
  accumulate: bool,
): void {
  let p0 = f32x4.splat(0);
  let p1 = p0;
  let p2 = p0;
  let p3 = p0;
  let q0 = p0;
  let q1 = p0;
  let q2 = p0;
  let q3 = p0;
  let x0 = a0;
  let x1 = a1;
  let bp = b;
  for (let p = 0; p < depth; p++) {
    const u = v128.load32_splat(x0);
    const v = v128.load32_splat(x1);
    const d0 = v128.load(bp);
    const d1 = v128.load(bp, 16);
    const d2 = v128.load(bp, 32);
    const d3 = v128.load(bp, 48);
    p0 = madd(u, d0, p0);
    p1 = madd(u, d1, p1);
    p2 = madd(u, d2, p2);
    p3 = madd(u, d3, p3);
    q0 = madd(v, d0, q0);
    q1 = madd(v, d1, q1);
    q2 = madd(v, d2, q2);
    q3 = madd(v, d3, q3);
    x0 += stepBytes;
    x1 += stepBytes;
    bp += nBytes;
  }
  put(c0, p0, accumulate);
  put(c0 + 16, p1, accumulate);
  put(c0 + 32, p2, accumulate);
  put(c0 + 48, p3, accumulate);
  if (c1 === 0) return;
  put(c1, q0, accumulate);
  put(c1 + 16, q1, accumulate);
  put(c1 + 32, q2, accumulate);
  put(c1 + 48, q3, accumulate);
}

/**
 * Stores a tile's sums, or adds them to what is there: a chunk's sum joins the running total
 * once, which rounds better than carrying the total through every tile of every chunk.
 */
function put(at: usize, v: v128, accumulate: bool): void {
  v128.store(at, accumulate ? f32x4.add(v128.load(at), v) : v);
}

function gemmTile4(
  a0: usize,
  a1: usize,
  b: usize,
  c0: usize,
  c1: usize,
  depth: i32,
  stepBytes: usize,
  nBytes: usize,
  accumulate: bool,
): void {
  let p0 = f32x4.splat(0);
  let q0 = p0;
  let x0 = a0;
  let x1 = a1;
  let bp = b;
  for (let p = 0; p < depth; p++) {
    const d0 = v128.load(bp);
    p0 = madd(v128.load32_splat(x0), d0, p0);
    q0 = madd(v128.load32_splat(x1), d0, q0);
    x0 += stepBytes;
    x1 += stepBytes;
    bp += nBytes;
  }
  put(c0, p0, accumulate);
  if (c1 !== 0) put(c1, q0, accumulate);
}
