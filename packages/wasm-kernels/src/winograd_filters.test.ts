import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { backendBuffers, seeded } from './__tests__/helpers.js';
import {
  clearWinogradFilterCache,
  registerWasmTrainingKernels,
  setWinogradEnabled,
  setWinogradFilterCacheBytes,
} from './index.js';

// 36 planes of [16, 32] and their address table.
const KEPT_BUFFERS = 37;

describe('transformed Winograd filters kept between calls', () => {
  beforeAll(async () => {
    registerWasmTrainingKernels();
    await tf.setBackend('wasm');
  });
  afterEach(() => {
    setWinogradFilterCacheBytes(undefined);
    setWinogradEnabled(undefined);
    clearWinogradFilterCache(tf.backend());
  });

  const x = () => tf.tensor4d(seeded(2 * 8 * 8 * 16, 31), [2, 8, 8, 16]);
  const filterOf = (seed: number) => tf.tensor4d(seeded(3 * 3 * 16 * 32, seed), [3, 3, 16, 32]);
  const conv = (input: tf.Tensor4D, filter: tf.Tensor4D): Float32Array =>
    tf.tidy(() => tf.conv2d(input, filter, 1, 'same').dataSync() as Float32Array);

  it('keeps a filter from its second convolution on, with the same result bit for bit', () => {
    const [input, filter] = [x(), filterOf(32)];
    const buffers = backendBuffers();
    const first = conv(input, filter);
    expect(backendBuffers()).toBe(buffers);
    const second = conv(input, filter);
    expect(backendBuffers()).toBe(buffers + KEPT_BUFFERS);
    const third = conv(input, filter);
    expect(backendBuffers()).toBe(buffers + KEPT_BUFFERS);
    expect(Array.from(second)).toEqual(Array.from(first));
    expect(Array.from(third)).toEqual(Array.from(first));
    // Another filter of the same shape is not mistaken for the kept one.
    const other = filterOf(33);
    setWinogradEnabled(false);
    const direct = conv(input, other);
    setWinogradEnabled(true);
    const got = conv(input, other);
    const gap = Math.max(...got.map((v, i) => Math.abs(v - direct[i]!)));
    expect(gap).toBeLessThan(1e-4);
    tf.dispose([input, filter, other]);
  });

  it('frees a kept filter once the filter is disposed, and everything at a limit of 0', () => {
    const [input, filter, next] = [x(), filterOf(34), filterOf(35)];
    const buffers = backendBuffers();
    conv(input, filter);
    conv(input, filter);
    expect(backendBuffers()).toBe(buffers + KEPT_BUFFERS);
    filter.dispose();
    // The next Winograd convolution sweeps the entry whose filter is gone.
    conv(input, next);
    expect(backendBuffers()).toBe(buffers - 1);
    conv(input, next);
    expect(backendBuffers()).toBe(buffers - 1 + KEPT_BUFFERS);
    setWinogradFilterCacheBytes(0);
    conv(input, next);
    expect(backendBuffers()).toBe(buffers - 1);
    tf.dispose([input, next]);
  });

  it('keeps no more than the byte limit, dropping the least recently used first', () => {
    const input = x();
    const filters = [36, 37, 38].map(filterOf);
    const bytes = 36 * 16 * 32 * 4;
    setWinogradFilterCacheBytes(2 * bytes);
    const buffers = backendBuffers();
    for (const f of filters) for (let i = 0; i < 2; i++) conv(input, f);
    expect(backendBuffers()).toBe(buffers + 2 * KEPT_BUFFERS);
    tf.dispose([input, ...filters]);
  });
});
