import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { initWasmBackend } from '@sevar/wasm-kernels';
const t0 = Date.now();
const r = await initWasmBackend({});
const x = tf.randomNormal([8, 32, 32, 16]);
const w = tf.randomNormal([3, 3, 16, 16]);
for (let i = 0; i < 20; i++) { const y = tf.conv2d(x, w, 1, 'same'); await y.data(); y.dispose(); }
console.log('ok', r.threads, Date.now() - t0);
