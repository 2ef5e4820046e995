// `pnpm bench:winograd`: how much a Winograd 3x3 convolution could gain on tfjs-backend-wasm,
// measured on the 3x3 stride-1 layers of ResNet-18 (CIFAR) before writing one.
//
// Winograd F(m x m, 3x3) turns a convolution into (m+2)^2 independent GEMMs over the tiles
// (fewer multiplies: 9 m^2 / (m+2)^2 per output) plus an input and an output transform. The
// GEMMs can run on XNNPACK (tf.matMul, threaded); the transforms are new kernels that read and
// write every transformed element once. This script times, in one process per thread count:
//   direct     tf.conv2d (XNNPACK) with the package's Winograd switched off;
//   gemm       the batched GEMM [T, tiles, Ci] x [T, Ci, Co] of F(2x2) (T = 16) and F(4x4) (36);
//   transform  the memory traffic of the two transforms, as one tf.add over the transformed input
//              and one over the transformed output (a fused SIMD transform kernel can hardly be
//              faster than that: it reads and writes the same elements, with more arithmetic).
// The estimate gemm + transform is therefore a lower bound of a Winograd layer's time on this
// backend, and direct / estimate an upper bound of its speed-up.
//   kernel     tf.conv2d with @sevar/wasm-kernels' Winograd F(4x4,3x3) on (the default), and
//              the float32 error of both paths against a float64 convolution.
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Tensor, Tensor2D, Tensor4D } from '@tensorflow/tfjs-core';

const { values: args } = parseArgs({
  options: {
    child: { type: 'string' },
    threads: { type: 'string', default: '1,all' },
    batch: { type: 'string', default: '64' },
    reps: { type: 'string', default: '7' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

const USAGE = `pnpm bench:winograd [--threads 1,all] [--batch 64] [--reps 7]
  Times tf.conv2d against the GEMMs and transform traffic of Winograd F(2x2,3x3) and F(4x4,3x3)
  on ResNet-18's 3x3 stride-1 layers (wasm backend); prints the speed-up ceiling per layer and
  for the network's 3x3 stride-1 convolutions together, then the package's F(4x4,3x3) kernel:
  its time, its speed-up over the direct convolution, and the float32 error of both against a
  float64 convolution (first two images).`;

/** ResNet-18 (CIFAR) 3x3 stride-1 layers: spatial size, channels, how many of them. */
const LAYERS = [
  { hw: 32, c: 64, count: 4 },
  { hw: 16, c: 128, count: 3 },
  { hw: 8, c: 256, count: 3 },
  { hw: 4, c: 512, count: 3 },
];

interface Estimate {
  gemm: number;
  /** The faster route to XNNPACK's GEMM. */
  route: 'matMul' | 'conv1x1';
  transform: number;
}

interface Row {
  hw: number;
  c: number;
  count: number;
  direct: number;
  f2: Estimate;
  f4: Estimate;
  /** The package's Winograd F(4x4,3x3) kernel, as tf.conv2d runs it. */
  kernel: number;
  /** max |y - y64| / max |y64| against a float64 convolution, Winograd and direct. */
  errKernel: number;
  errDirect: number;
}

/** The defining sum in float64 for the first `images` images ('same' padding, 3x3). */
function reference64(
  x: Float32Array,
  g: Float32Array,
  images: number,
  hw: number,
  c: number,
): Float64Array {
  const y = new Float64Array(images * hw * hw * c);
  for (let b = 0; b < images; b++) {
    for (let r = 0; r < hw; r++) {
      for (let q = 0; q < hw; q++) {
        const out = ((b * hw + r) * hw + q) * c;
        for (let i = 0; i < 3; i++) {
          for (let j = 0; j < 3; j++) {
            const row = r + i - 1;
            const col = q + j - 1;
            if (row < 0 || row >= hw || col < 0 || col >= hw) continue;
            const xAt = ((b * hw + row) * hw + col) * c;
            for (let ch = 0; ch < c; ch++) {
              const xv = x[xAt + ch]!;
              const gAt = ((i * 3 + j) * c + ch) * c;
              for (let o = 0; o < c; o++) y[out + o]! += xv * g[gAt + o]!;
            }
          }
        }
      }
    }
  }
  return y;
}

function relativeError(got: Float32Array, ref: Float64Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    diff = Math.max(diff, Math.abs(got[i]! - ref[i]!));
    scale = Math.max(scale, Math.abs(ref[i]!));
  }
  return diff / scale;
}

async function child(threads: number): Promise<void> {
  const tf = await import('@tensorflow/tfjs-core');
  const { useBackend } = await import('@sevar/trainer');
  const { setWinogradEnabled } = await import('@sevar/wasm-kernels');
  await useBackend('wasm', { wasmThreads: threads, onWarning: () => {} });
  const n = Number(args.batch);
  const reps = Number(args.reps);
  const median = async (make: () => Tensor): Promise<number> => {
    const times: number[] = [];
    for (let i = 0; i < reps + 1; i++) {
      const t = performance.now();
      const y = make();
      await y.data();
      y.dispose();
      if (i > 0) times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)]!;
  };
  // F(m x m, 3x3): (m+2)^2 GEMMs of [tiles, Ci] x [Ci, Co]; tiles = N (H/m)(W/m). Each GEMM
  // has its own weights, so they are separate calls: timed once, times (m+2)^2. Two routes to
  // XNNPACK's GEMM: tf.matMul of 2D tensors, and a 1x1 convolution over the tiles as an image
  // (batched tf.matMul is not on XNNPACK in tfjs-backend-wasm 4.22 and is several times slower).
  const winograd = async (hw: number, c: number, m: number) => {
    const t = (m + 2) ** 2;
    const tiles = n * Math.ceil(hw / m) ** 2;
    const v = tf.randomNormal([tiles, c]) as Tensor2D;
    const u = tf.randomNormal([c, c]) as Tensor2D;
    const matMul = t * (await median(() => tf.matMul(v, u)));
    const image = tf.reshape(v, [1, tiles, 1, c]) as Tensor4D;
    const kernel = tf.reshape(u, [1, 1, c, c]) as Tensor4D;
    const conv1x1 = t * (await median(() => tf.conv2d(image, kernel, 1, 'valid')));
    // Input transform writes V (t x tiles x Ci); output transform reads M (t x tiles x Co).
    const all = tf.randomNormal([t * tiles, c]);
    const transform = 2 * (await median(() => tf.add(all, all)));
    tf.dispose([v, u, image, kernel, all]);
    const route: Estimate['route'] = matMul <= conv1x1 ? 'matMul' : 'conv1x1';
    return { gemm: Math.min(matMul, conv1x1), route, transform };
  };
  const rows: Row[] = [];
  for (const { hw, c, count } of LAYERS) {
    const x = tf.randomNormal([n, hw, hw, c]) as Tensor4D;
    const w = tf.randomNormal([3, 3, c, c]) as Tensor4D;
    setWinogradEnabled(false);
    const direct = await median(() => tf.conv2d(x, w, 1, 'same'));
    const yDirect = tf.conv2d(x, w, 1, 'same');
    setWinogradEnabled(true);
    const kernel = await median(() => tf.conv2d(x, w, 1, 'same'));
    const yKernel = tf.conv2d(x, w, 1, 'same');
    // Errors on the first two images (the float64 sum in JavaScript is slow).
    const images = 2;
    const ref = reference64(
      x.dataSync() as Float32Array,
      w.dataSync() as Float32Array,
      images,
      hw,
      c,
    );
    const head = (y: Tensor) => (y.dataSync() as Float32Array).subarray(0, ref.length);
    const errKernel = relativeError(head(yKernel), ref);
    const errDirect = relativeError(head(yDirect), ref);
    tf.dispose([x, w, yDirect, yKernel]);
    const [f2, f4] = [await winograd(hw, c, 2), await winograd(hw, c, 4)];
    rows.push({ hw, c, count, direct, f2, f4, kernel, errKernel, errDirect });
  }
  process.stdout.write(`${JSON.stringify(rows)}\n`);
}

function report(threads: number, rows: Row[]): void {
  const fmt = (ms: number) => ms.toFixed(1).padStart(8);
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`.padStart(7);
  console.log(`\nwasm, ${threads} thread(s), batch ${args.batch} (ms per layer, median)`);
  const cols: [string, number][] = [
    ['direct', 8],
    ['F2 gemm', 8],
    ['F2 xform', 9],
    ['F2 ceil', 8],
    ['F4 gemm', 8],
    ['F4 xform', 9],
    ['F4 ceil', 8],
    ['F4 kernel', 10],
    ['speed-up', 9],
    ['err F4', 9],
    ['err direct', 11],
  ];
  console.log(`${'layer'.padEnd(17)}${cols.map(([t, w]) => t.padStart(w)).join('')}  gemm via`);
  const total = { direct: 0, f2: 0, f4: 0, kernel: 0 };
  const err = (e: number) => e.toExponential(1).padStart(9);
  for (const r of rows) {
    const f2 = r.f2.gemm + r.f2.transform;
    const f4 = r.f4.gemm + r.f4.transform;
    total.direct += r.count * r.direct;
    total.f2 += r.count * f2;
    total.f4 += r.count * f4;
    total.kernel += r.count * r.kernel;
    const name = `${r.hw}x${r.hw}x${r.c} (x${r.count})`.padEnd(17);
    console.log(
      `${name}${fmt(r.direct)}${fmt(r.f2.gemm)} ${fmt(r.f2.transform)} ${ratio(r.direct, f2)}` +
        `${fmt(r.f4.gemm)} ${fmt(r.f4.transform)} ${ratio(r.direct, f4)}` +
        `  ${fmt(r.kernel)} ${ratio(r.direct, r.kernel)}  ${err(r.errKernel)}  ${err(r.errDirect)}` +
        `  ${r.f2.route}/${r.f4.route}`,
    );
  }
  console.log(
    `all 13 layers    ${fmt(total.direct)}${fmt(total.f2)}  (F2 ceiling ${ratio(total.direct, total.f2).trim()})` +
      `${fmt(total.f4)}  (F4 ceiling ${ratio(total.direct, total.f4).trim()})` +
      `${fmt(total.kernel)}  (F4 kernel ${ratio(total.direct, total.kernel).trim()})`,
  );
}

if (args.help) {
  console.log(USAGE);
} else if (args.child !== undefined) {
  await child(Number(args.child));
} else {
  const script = fileURLToPath(import.meta.url);
  for (const t of args.threads.split(',')) {
    const threads = t === 'all' ? availableParallelism() : Number(t);
    const r = spawnSync(
      process.execPath,
      [script, '--child', String(threads), '--batch', args.batch, '--reps', args.reps],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    if (r.status !== 0) throw new Error(`the ${threads}-thread child failed (exit ${r.status})`);
    report(threads, JSON.parse(r.stdout.trim().split('\n').pop()!) as Row[]);
  }
}
