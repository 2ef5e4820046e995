import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import type { HeapBackend } from './heap.js';
import { maxSplitParts, runSplit } from './kernel_threads.js';
import { heapAddress } from './simd.js';
import type { WinogradTransforms } from './simd.js';

/** A filter's 36 transformed [1, ci, co] planes and the int32 table of their addresses. */
export interface TransformedFilter {
  planes: TensorInfo[];
  table: TensorInfo;
  /** Whether the caller releases the planes (false: the cache owns them). */
  owned: boolean;
}

interface Entry {
  planes: TensorInfo[];
  table: TensorInfo;
  bytes: number;
}

interface BackendCache {
  /** Filters transformed once: a second convolution with the same data is cached. */
  seen: WeakSet<object>;
  /** By filter data id, least recently used first. */
  entries: Map<object, Entry>;
  bytes: number;
}

/** One thread's scratch: 36 vectors of four floats. */
export const SCRATCH_BYTES = 36 * 16;

/** Scratch for every chunk a transform splits into on `backend` (`SCRATCH_BYTES` each). */
export function scratchFor(backend: KernelBackend, heap: HeapBackend): TensorInfo {
  return heap.makeOutput([(maxSplitParts(backend) * SCRATCH_BYTES) / 4], 'float32');
}

/** 36 [1, rows, cols] float32 planes. */
export function planes(heap: HeapBackend, rows: number, cols: number): TensorInfo[] {
  return Array.from({ length: 36 }, () => heap.makeOutput([1, rows, cols], 'float32'));
}

/** The int32 table of the 36 planes' heap addresses, which the transforms read. */
export function tableOf(heap: HeapBackend, infos: TensorInfo[]): TensorInfo {
  const table = heap.makeOutput([36], 'int32');
  fillTable(heap, table, infos);
  return table;
}

export function fillTable(heap: HeapBackend, table: TensorInfo, infos: TensorInfo[]): void {
  // Addresses are heap offsets: they stay valid when the heap grows (views do not).
  const addresses = infos.map((info) => heapAddress(heap, info));
  (heap.typedArrayFromHeap(table) as Int32Array).set(addresses);
}

const DEFAULT_CACHE_BYTES = 256 << 20;
let limit = DEFAULT_CACHE_BYTES;
const caches = new WeakMap<KernelBackend, BackendCache>();

/**
 * Sets how many bytes of transformed filters the Winograd convolutions keep between calls
 * (`undefined`: the default, 256 MiB; 0 keeps none and frees what is kept at the next
 * convolution). A filter is kept from its second convolution on — inference, which runs the
 * same weights batch after batch — and never in training, where each step's weights are new
 * tensors. XNNPACK keeps a packed copy of each kept plane as well, so the memory held is about
 * twice this.
 */
export function setWinogradFilterCacheBytes(bytes: number | undefined): void {
  limit = bytes ?? DEFAULT_CACHE_BYTES;
}

/** Frees every transformed filter kept for `backend` (for tests and memory accounting). */
export function clearWinogradFilterCache(backend: KernelBackend): void {
  const cache = caches.get(backend);
  if (cache === undefined) return;
  for (const entry of cache.entries.values()) release(backend, entry);
  caches.delete(backend);
}

function release(backend: KernelBackend, entry: Entry): void {
  for (const info of [...entry.planes, entry.table]) backend.disposeData(info.dataId);
}

/** Drops entries whose filter is gone, then the least recently used beyond `room` bytes. */
function sweep(backend: KernelBackend, cache: BackendCache, room: number): void {
  for (const [dataId, entry] of cache.entries) {
    if (backend.refCount(dataId) > 0) continue;
    release(backend, entry);
    cache.entries.delete(dataId);
    cache.bytes -= entry.bytes;
  }
  for (const [dataId, entry] of cache.entries) {
    if (cache.bytes <= Math.max(0, limit - room)) break;
    release(backend, entry);
    cache.entries.delete(dataId);
    cache.bytes -= entry.bytes;
  }
}

/**
 * U = G·g·Gᵀ for every (ci, co) pair of `filter` ([3, 3, ci, co]), as 36 planes: kept from the
 * filter's second use on (see `setWinogradFilterCacheBytes`), transformed afresh otherwise.
 */
export function transformedFilter(
  backend: KernelBackend,
  heap: HeapBackend,
  transforms: WinogradTransforms,
  filter: TensorInfo,
  scratch: TensorInfo,
): TransformedFilter {
  const [, , ci, co] = filter.shape as [number, number, number, number];
  const bytes = 36 * ci * co * 4;
  let cache = caches.get(backend);
  if (cache === undefined)
    caches.set(backend, (cache = { seen: new WeakSet(), entries: new Map(), bytes: 0 }));
  sweep(backend, cache, 0);
  const hit = cache.entries.get(filter.dataId);
  if (hit !== undefined) {
    cache.entries.delete(filter.dataId);
    cache.entries.set(filter.dataId, hit);
    return { planes: hit.planes, table: hit.table, owned: false };
  }
  const u = planes(heap, ci, co);
  const table = tableOf(heap, u);
  const at = (info: TensorInfo): number => heapAddress(heap, info);
  runSplit(backend, transforms, 0, 'winogradFilter', ci, 1, (from, to, part) => [
    at(filter),
    at(table),
    at(scratch) + SCRATCH_BYTES * part,
    ci,
    co,
    from,
    to,
  ]);
  const keep = cache.seen.has(filter.dataId) && bytes <= limit;
  cache.seen.add(filter.dataId);
  if (!keep) return { planes: u, table, owned: true };
  sweep(backend, cache, bytes);
  cache.entries.set(filter.dataId, { planes: u, table, bytes });
  cache.bytes += bytes;
  return { planes: u, table, owned: false };
}
