// Benchmark (not a test): parse time of a full-size CIFAR-10 train set (50,000 generated
// records), SVHN-layout MAT streaming, and augmented batches per second, with the
// typed-array augmentation measured side by side with the same work done in tfjs ops.
// Run after building:  npx tsc -b packages/datasets && node packages/datasets/bench/parse.mjs
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import {
  NORMALIZATION,
  Rng,
  createBatches,
  loadEmbeddedSync,
  parseCifarRecords,
} from '../dist/index.js';
import { loadCifar10, readSvhnMat } from '../dist/node/index.js';

await tf.setBackend('cpu');
const ms = (t) => (performance.now() - t).toFixed(0).padStart(6) + ' ms';
const line = (label, value) => console.log(`${label.padEnd(58)} ${value}`);
const dir = mkdtempSync(join(tmpdir(), 'sevar-bench-'));

try {
  // 1. CIFAR-10 train: 5 files × 10,000 random records.
  const rng = new Rng(1);
  const folder = join(dir, 'cifar-10-batches-bin');
  mkdirSync(folder);
  const files = [];
  for (let b = 1; b <= 5; b++) {
    const bytes = new Uint8Array(10_000 * 3073);
    for (let i = 0; i < bytes.length; i += 4) {
      const r = rng.nextUint32();
      bytes[i] = r;
      bytes[i + 1] = r >>> 8;
      bytes[i + 2] = r >>> 16;
      bytes[i + 3] = r >>> 24;
    }
    for (let i = 0; i < 10_000; i++) bytes[i * 3073] %= 10;
    writeFileSync(join(folder, `data_batch_${b}.bin`), bytes);
    files.push(bytes);
  }
  let t = performance.now();
  for (const f of files)
    parseCifarRecords(f, { labelBytes: 1, labelIndex: 0, numClasses: 10 }, 'mem');
  line('CIFAR-10 train, 50,000 records: parse in memory', ms(t));
  t = performance.now();
  const ds = await loadCifar10({ split: 'train', dataDir: dir });
  line('CIFAR-10 train, 50,000 records: loadCifar10 (read + parse)', ms(t));

  // 2. SVHN-layout MAT (compressed X then y, like the official files), 20,000 images.
  const n = Number(process.env.BENCH_MAT_IMAGES ?? 20_000);
  const le = (v) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    return b;
  };
  const el = (type, payload) =>
    Buffer.concat([
      le(type),
      le(payload.length),
      payload,
      Buffer.alloc((8 - (payload.length % 8)) % 8),
    ]);
  const dims = (d) => {
    const b = Buffer.alloc(4 * d.length);
    d.forEach((x, i) => b.writeInt32LE(x, 4 * i));
    return b;
  };
  const matrix = (name, cls, d, data) => {
    const body = Buffer.concat([
      el(6, Buffer.concat([le(cls), le(0)])),
      el(5, dims(d)),
      el(1, Buffer.from(name)),
      el(2, data),
    ]);
    return Buffer.concat([le(14), le(body.length), body]);
  };
  const X = Buffer.from(ds.images.subarray(0, n * 3072)); // any bytes; layout is what matters
  const y = Buffer.from(Array.from({ length: n }, (_, i) => 1 + (i % 10)));
  const head = Buffer.alloc(128, 0x20);
  head.writeUInt16LE(0x0100, 124);
  head.write('IM', 126, 'latin1');
  const zx = deflateSync(matrix('X', 9, [32, 32, 3, n], X), { level: 1 });
  const zy = deflateSync(matrix('y', 6, [n, 1], y));
  const mat = join(dir, 'svhn_like.mat');
  writeFileSync(mat, Buffer.concat([head, le(15), le(zx.length), zx, le(15), le(zy.length), zy]));
  for (let k = 0; k < 3; k++) {
    globalThis.gc?.();
    await new Promise((r) => setTimeout(r, 50)); // let freed backing stores go
  }
  // External (ArrayBuffer) memory: the output array plus what the parser holds besides it.
  const ab0 = process.memoryUsage().arrayBuffers;
  let peak = ab0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().arrayBuffers);
  }, 2);
  t = performance.now();
  const sv = await readSvhnMat(mat);
  const dt = performance.now() - t;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().arrayBuffers);
  line(
    `SVHN-layout MAT, ${n} images (${(X.length / 1e6).toFixed(0)} MB inflated): stream + NHWC`,
    `${dt.toFixed(0).padStart(6)} ms (${(X.length / 1e6 / (dt / 1000)).toFixed(0)} MB/s)`,
  );
  line(
    `  peak ArrayBuffer growth while parsing (output array: ${(sv.images.length / 1e6).toFixed(0)} MB)`,
    `${((peak - ab0) / 1e6).toFixed(0).padStart(6)} MB`,
  );

  // 3. Augmented batches per second (host side, then with tensor creation).
  const nb = 40;
  for (const [label, augment, bs] of [
    ['crop-flip 32, batch 128', 'crop-flip', 128],
    ['random-resized-crop 224 + flip, batch 32', { kind: 'random-resized-crop', size: 224 }, 32],
    [
      'resize 256 + center crop 224, batch 32',
      { kind: 'resize-center-crop', resize: 256, size: 224 },
      32,
    ],
  ]) {
    const s = createBatches(ds, { batchSize: bs, augment, seed: 1 });
    s.hostBatch(1, 0); // warm up the JIT
    t = performance.now();
    for (let b = 0; b < nb; b++) s.hostBatch(0, b);
    const sec = (performance.now() - t) / 1000;
    line(
      `augment ${label}: typed arrays`,
      `${(nb / sec).toFixed(1).padStart(6)} batches/s (${((nb * bs) / sec).toFixed(0)} img/s)`,
    );
  }
  const s = createBatches(ds, { batchSize: 128, augment: 'crop-flip', seed: 1, prefetch: 2 });
  t = performance.now();
  let k = 0;
  for await (const { xs, ys } of s.epoch(0)) {
    xs.dispose();
    ys.dispose();
    if (++k === nb) break;
  }
  let sec = (performance.now() - t) / 1000;
  line(
    'crop-flip 32, batch 128: epoch() iterator incl. tensors',
    `${(nb / sec).toFixed(1).padStart(6)} batches/s`,
  );

  // Same crop + flip + normalize in tfjs ops (cpu backend), for comparison.
  const { mean, std } = NORMALIZATION.cifar10;
  const r2 = new Rng(2);
  t = performance.now();
  for (let b = 0; b < nb; b++) {
    const out = tf.tidy(() => {
      const x = tf.tensor4d(
        ds.images.subarray(b * 128 * 3072, (b + 1) * 128 * 3072),
        [128, 32, 32, 3],
        'int32',
      );
      const p = tf.pad(tf.div(tf.cast(x, 'float32'), 255), [
        [0, 0],
        [4, 4],
        [4, 4],
        [0, 0],
      ]);
      const crops = [];
      for (let i = 0; i < 128; i++) {
        let c = tf.slice(p, [i, r2.int(9), r2.int(9), 0], [1, 32, 32, 3]);
        if (r2.next() < 0.5) c = tf.reverse(c, 2);
        crops.push(c);
      }
      return tf.div(tf.sub(tf.concat(crops), tf.tensor1d(mean)), tf.tensor1d(std));
    });
    out.dataSync();
    out.dispose();
  }
  sec = (performance.now() - t) / 1000;
  const tfRate = nb / sec;
  line(
    'crop-flip 32, batch 128: tfjs ops on cpu backend',
    `${tfRate.toFixed(1).padStart(6)} batches/s`,
  );

  t = performance.now();
  loadEmbeddedSync({ split: 'train' });
  loadEmbeddedSync({ split: 'test' });
  line('embedded dataset: generate 5,000 + 1,000 images', ms(t));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
