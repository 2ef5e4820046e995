// Batch-norm training kernels, compiled to wasm (128-bit SIMD) with AssemblyScript. The tensor
// is channels-last float32 seen as rows of `c` channels (N*H*W rows); a call does the rows
// from .. to - 1 (a thread's share). Pointers are byte offsets into the tfjs wasm heap, as in
// assembly/kernels.ts; per-channel vectors are float32 (`shift`, `scale`, ...), per-channel
// sums float64 (`acc`, zeroed here: each share sums into its own). Memory-bound: one pass
// over the tensor per call, with no fused multiply-add (it would change the rounding and not
// the speed).

/** Adds the four lanes of `v`, widened to float64, to acc[0..3]. */
function accumulate(acc: usize, v: v128): void {
  const lo = f64x2.promote_low_f32x4(v);
  const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  v128.store(acc, f64x2.add(v128.load(acc), lo));
  v128.store(acc, f64x2.add(v128.load(acc, 16), hi), 16);
}

/**
 * acc[ch] = sum over the rows of (x - shift[ch]), or of its square when `squares` (the
 * variance's pass, with shift the mean).
 */
export function channelMoments(
  x: usize,
  shift: usize,
  acc: usize,
  c: i32,
  squares: bool,
  from: i32,
  to: i32,
): void {
  memory.fill(acc, 0, (<usize>c) << 3);
  const c4 = c & ~3;
  for (let r = from; r < to; r++) {
    const row = x + ((<usize>r * c) << 2);
    let ch = 0;
    for (; ch < c4; ch += 4) {
      const at = (<usize>ch) << 2;
      let v = f32x4.sub(v128.load(row + at), v128.load(shift + at));
      if (squares) v = f32x4.mul(v, v);
      accumulate(acc + ((<usize>ch) << 3), v);
    }
    for (; ch < c; ch++) {
      let v = load<f32>(row + ((<usize>ch) << 2)) - load<f32>(shift + ((<usize>ch) << 2));
      if (squares) v *= v;
      const a = acc + ((<usize>ch) << 3);
      store<f64>(a, load<f64>(a) + <f64>v);
    }
  }
}

/**
 * The backward pass's sums: acc[ch] = sum of dy, acc[c + ch] = sum of dy * (x - shift[ch])
 * (shift the mean).
 */
export function channelDot(
  dy: usize,
  x: usize,
  shift: usize,
  acc: usize,
  c: i32,
  from: i32,
  to: i32,
): void {
  const dot = acc + ((<usize>c) << 3);
  memory.fill(acc, 0, (<usize>c) << 4);
  const c4 = c & ~3;
  for (let r = from; r < to; r++) {
    const off = (<usize>r * c) << 2;
    let ch = 0;
    for (; ch < c4; ch += 4) {
      const at = (<usize>ch) << 2;
      const g = v128.load(dy + off + at);
      const centered = f32x4.sub(v128.load(x + off + at), v128.load(shift + at));
      accumulate(acc + (at << 1), g);
      accumulate(dot + (at << 1), f32x4.mul(g, centered));
    }
    for (; ch < c; ch++) {
      const at = (<usize>ch) << 2;
      const g = load<f32>(dy + off + at);
      const centered = load<f32>(x + off + at) - load<f32>(shift + at);
      store<f64>(acc + (at << 1), load<f64>(acc + (at << 1)) + <f64>g);
      store<f64>(dot + (at << 1), load<f64>(dot + (at << 1)) + <f64>(g * centered));
    }
  }
}

/** The forward pass's output: y = (x - shift) * scale + bias, per channel. */
export function channelAffine(
  x: usize,
  shift: usize,
  scale: usize,
  bias: usize,
  y: usize,
  c: i32,
  from: i32,
  to: i32,
): void {
  const c4 = c & ~3;
  for (let r = from; r < to; r++) {
    const off = (<usize>r * c) << 2;
    let ch = 0;
    for (; ch < c4; ch += 4) {
      const at = (<usize>ch) << 2;
      const centered = f32x4.sub(v128.load(x + off + at), v128.load(shift + at));
      const v = f32x4.add(f32x4.mul(centered, v128.load(scale + at)), v128.load(bias + at));
      v128.store(y + off + at, v);
    }
    for (; ch < c; ch++) {
      const at = (<usize>ch) << 2;
      const centered = load<f32>(x + off + at) - load<f32>(shift + at);
      store<f32>(y + off + at, centered * load<f32>(scale + at) + load<f32>(bias + at));
    }
  }
}

/** The input gradient: dx = (dy * k + (x - shift) * c1) + c0, per channel. */
export function channelAffineGrad(
  dy: usize,
  x: usize,
  shift: usize,
  k: usize,
  c1: usize,
  c0: usize,
  dx: usize,
  c: i32,
  from: i32,
  to: i32,
): void {
  const c4 = c & ~3;
  for (let r = from; r < to; r++) {
    const off = (<usize>r * c) << 2;
    let ch = 0;
    for (; ch < c4; ch += 4) {
      const at = (<usize>ch) << 2;
      const centered = f32x4.sub(v128.load(x + off + at), v128.load(shift + at));
      const scaled = f32x4.mul(v128.load(dy + off + at), v128.load(k + at));
      const both = f32x4.add(scaled, f32x4.mul(centered, v128.load(c1 + at)));
      v128.store(dx + off + at, f32x4.add(both, v128.load(c0 + at)));
    }
    for (; ch < c; ch++) {
      const at = (<usize>ch) << 2;
      const centered = load<f32>(x + off + at) - load<f32>(shift + at);
      const both = load<f32>(dy + off + at) * load<f32>(k + at) + centered * load<f32>(c1 + at);
      store<f32>(dx + off + at, both + load<f32>(c0 + at));
    }
  }
}
