// Tensors made on another backend reach a kernel before the wasm backend holds them: tfjs moves
// one when the backend first looks it up, which can grow (and detach) the heap. Its own
// typedArrayFromHeap takes the heap's view before that lookup, so every kernel here moves its
// inputs first. A fresh process (this file alone): a small heap that the move must grow.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { maxRelativeError, seeded } from './__tests__/helpers.js';
import { registerWasmTrainingKernels } from './index.js';

it('a convolution and a transposed one take tensors made on cpu that do not fit the heap yet', async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
  // 3x3x512x512: 9.4 MB, more than the wasm heap holds before its first growth.
  const filter = tf.tensor4d(seeded(3 * 3 * 512 * 512, 1), [3, 3, 512, 512]);
  const x = tf.tensor4d(seeded(2 * 6 * 6 * 512, 2), [2, 6, 6, 512]);
  const onCpu = tf.conv2d(x, filter, 1, 'same').dataSync();
  expect(await tf.setBackend('wasm')).toBe(true);
  registerWasmTrainingKernels();
  const heapBefore = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8
    .length;
  expect(heapBefore).toBeLessThan(filter.size * 4 * 2);
  const y = tf.conv2d(x, filter, 1, 'same');
  expect(maxRelativeError(y.dataSync(), onCpu)).toBeLessThan(1e-4);
  // The input gradient's kernel too (a transposed convolution), on fresh cpu tensors.
  await tf.setBackend('cpu');
  const dy = tf.tensor4d(seeded(2 * 6 * 6 * 512, 3), [2, 6, 6, 512]);
  const filter2 = tf.tensor4d(seeded(3 * 3 * 512 * 512, 4), [3, 3, 512, 512]);
  const dxOnCpu = tf.conv2dTranspose(dy, filter2, [2, 6, 6, 512], 1, 'same').dataSync();
  await tf.setBackend('wasm');
  const dx = tf.conv2dTranspose(dy, filter2, [2, 6, 6, 512], 1, 'same');
  expect(maxRelativeError(dx.dataSync(), dxOnCpu)).toBeLessThan(1e-4);
  tf.dispose([filter, x, y, dy, filter2, dx]);
});
