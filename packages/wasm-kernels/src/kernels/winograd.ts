import { backend_util, util } from '@tensorflow/tfjs-core';
import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import type { KernelOps } from './call.js';
import { asHeapBackend } from './heap.js';
import { heapAddress, simdKernels, threadedBackend, winogradTransforms } from './simd.js';
import type { SimdKernels, WinogradGradTransforms, WinogradTransforms } from './simd.js';
import { kernelThreads, runSplit } from './kernel_threads.js';
import {
  fillTable,
  planes,
  scratchFor,
  SCRATCH_BYTES,
  tableOf,
  transformedFilter,
} from './winograd_filters.js';
import { envSwitch } from './env.js';

/** Set by `setWinogradEnabled`; until then the environment decides (on unless SEVAR_WINOGRAD). */
let chosen: boolean | undefined;

/**
 * Switches Winograd F(4x4,3x3) convolution off (or back on). Off, every 3x3 stride-1
 * convolution runs XNNPACK's direct convolution, as stock tfjs-backend-wasm does. On by
 * default; in Node, `SEVAR_WINOGRAD=0` turns it off in every thread of the process (data-parallel
 * workers included). `undefined` goes back to what the environment says.
 */
export function setWinogradEnabled(on: boolean | undefined): void {
  chosen = on;
}

const ENV = 'SEVAR_WINOGRAD';

/** Whether 3x3 stride-1 convolutions go through Winograd F(4x4,3x3) where they qualify. */
export function winogradEnabled(): boolean {
  return chosen ?? envSwitch(ENV, 'Winograd') ?? true;
}

/** Fewest tiles (GEMM rows) per chunk, whatever the chunk size in bytes. */
const MIN_CHUNK_TILES = 64;

/** Bytes one chunk of transformed input tiles may take (36 planes); bounds the extra memory. */
const DEFAULT_CHUNK_BYTES = 4 << 20;
let chunkBytes = DEFAULT_CHUNK_BYTES;

/**
 * Chunks are smaller where the kernel module runs the GEMMs (the filter gradient always, the
 * convolution mostly): the transformed tiles stay in a core's L2 cache between the transforms
 * and the GEMMs (1 MiB ran the filter gradient 1.4x faster than 4 MiB on ResNet-18's 32x32x64
 * layer). XNNPACK's GEMMs want the larger chunks (fewer calls).
 */
const CACHED_CHUNK_BYTES = 1 << 20;

/**
 * Sets how many bytes of transformed tiles one chunk may hold (the transformed input and the
 * GEMM products each take about that much at a time); `undefined` restores the default (4 MiB).
 * For tests and benchmarks.
 */
export function setWinogradChunkBytes(bytes: number | undefined): void {
  chunkBytes = bytes ?? DEFAULT_CHUNK_BYTES;
}

/**
 * Fewest input channels worth a Winograd layer: below this the 36 GEMMs are too thin for
 * XNNPACK and the transforms dominate (measured with `pnpm bench:winograd`).
 */
export const WINOGRAD_MIN_CHANNELS = 16;

/**
 * On the threaded build, the least work (tiles × Ci × Co multiply-adds per transformed point)
 * worth a Winograd convolution: its transforms run on the calling thread while the direct
 * convolution uses the whole pool, so small layers (cnn3's, batch 64: 0.3–2.1 M) ran slower by
 * Winograd with 2 threads; ResNet-18's at batch 64 (16.8 M) ran 1.5× faster.
 */
export const WINOGRAD_MIN_THREADED_WORK = 1 << 23;

/** The geometry of a convolution Winograd computes. */
export interface WinogradPlan {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  oh: number;
  ow: number;
  padTop: number;
  padLeft: number;
  tilesH: number;
  tilesW: number;
}

type PadAttr = Parameters<typeof backend_util.computeConv2DInfo>[4];
type RoundingAttr = Parameters<typeof backend_util.computeConv2DInfo>[5];

/** The attributes of Conv2D (and FusedConv2D) a plan reads. */
export interface ConvAttrs {
  strides: number | [number, number];
  pad: PadAttr;
  dataFormat?: string;
  dilations?: number | [number, number];
  dimRoundingMode?: RoundingAttr;
}

/**
 * The plan for a convolution Winograd can take: float32 NHWC, a 3x3 filter, stride and
 * dilation 1, at least WINOGRAD_MIN_CHANNELS input channels, both channel counts multiples
 * of 4, and on `backend`'s threaded build at least WINOGRAD_MIN_THREADED_WORK. Null for
 * anything else (the caller runs the direct convolution, which also reports malformed inputs
 * in its own words).
 */
export function winogradPlan(
  x: TensorInfo,
  filterShape: readonly number[],
  attrs: ConvAttrs,
  backend?: KernelBackend,
): WinogradPlan | null {
  if (!winogradEnabled() || x.dtype !== 'float32') return null;
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') return null;
  if (x.shape.length !== 4 || filterShape.length !== 4) return null;
  const [kh, kw, ci, co] = filterShape as [number, number, number, number];
  if (kh !== 3 || kw !== 3 || ci % 4 !== 0 || co % 4 !== 0 || ci < WINOGRAD_MIN_CHANNELS) {
    return null;
  }
  if (x.shape[3] !== ci) return null;
  let info: backend_util.Conv2DInfo;
  try {
    info = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape as [number, number, number, number],
      attrs.strides,
      attrs.dilations ?? 1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      'channelsLast',
    );
  } catch {
    return null;
  }
  const unit = [info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth];
  if (unit.some((v) => v !== 1) || info.outHeight <= 0 || info.outWidth <= 0) return null;
  const tiles = info.batchSize * Math.ceil(info.outHeight / 4) * Math.ceil(info.outWidth / 4);
  if (backend && tiles * ci * co < WINOGRAD_MIN_THREADED_WORK && threadedBackend(backend)) {
    return null;
  }
  return {
    n: info.batchSize,
    h: info.inHeight,
    w: info.inWidth,
    ci,
    co,
    oh: info.outHeight,
    ow: info.outWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
    tilesH: Math.ceil(info.outHeight / 4),
    tilesW: Math.ceil(info.outWidth / 4),
  };
}

/** The transforms for this backend, or null where the Winograd module cannot run there. */
export function winogradFor(ops: KernelOps): WinogradTransforms | null {
  return winogradEnabled() ? winogradTransforms(ops.backend) : null;
}

/** The filter gradient's transforms for this backend, or null (as `winogradFor`). */
export function winogradGradFor(ops: KernelOps): WinogradGradTransforms | null {
  // The filter gradient's GEMMs are the kernel module's.
  if (!winogradEnabled() || simdKernels(ops.backend) === null) return null;
  return winogradTransforms(ops.backend, true);
}

/**
 * y = conv2d(x, filter) (+ bias, then max(0, ·) if `relu`) by Winograd F(4x4,3x3): the filter
 * (kept between calls for inference, see `winograd_filters.ts`) and each chunk of input tiles
 * are transformed in the SIMD module, multiplied by 36 GEMMs ([tiles, ci] x [ci, co] each: the
 * kernel module's `planeGemm`, or XNNPACK's on a threaded build without kernel threads, see
 * `ownGemmFor`), and transformed back with bias and ReLU fused.
 */
export function winogradConv2D(
  ops: KernelOps,
  transforms: WinogradTransforms,
  x: TensorInfo,
  filter: TensorInfo,
  plan: WinogradPlan,
  bias: TensorInfo | null,
  relu: boolean,
): TensorInfo {
  const heap = asHeapBackend(ops.backend, 'Conv2D');
  const { n, ci, co, oh, ow, tilesH, tilesW } = plan;
  const tiles = n * tilesH * tilesW;
  const scratch = scratchFor(ops.backend, heap);
  const u = transformedFilter(ops.backend, heap, transforms, filter, scratch);
  const ownGemm = ownGemmFor(ops.backend);
  const tc = chunkTiles(tiles, ci, co, ownGemm === null ? chunkBytes : cachedChunkBytes());
  const y = heap.makeOutput([n, oh, ow, co], 'float32');
  const v = planes(heap, tc, ci);
  const vTable = tableOf(heap, v);
  const mPlanes = ownGemm === null ? [] : planes(heap, tc, co);
  const mTable = ownGemm === null ? heap.makeOutput([36], 'int32') : tableOf(heap, mPlanes);
  const at = (info: TensorInfo): number => heapAddress(heap, info);
  const own = (part: number) => at(scratch) + SCRATCH_BYTES * part;
  const biasAt = bias === null ? 0 : at(bias);
  for (let t0 = 0; t0 < tiles; t0 += tc) {
    transformInput(ops.backend, transforms, 0, at(x), at(vTable), own, plan, t0, tc);
    let m: TensorInfo[] = [];
    if (ownGemm !== null) {
      // Threads take tile rows where the tiles outweigh the filter (each multiplies the tiles
      // its transform wrote, in its own cache), else planes (each reads half the filter).
      const byRows = tc * (ci + co) > ci * co;
      runSplit(ops.backend, ownGemm, 2, 'planeGemm', byRows ? tc : 36, 1, (from, to) => [
        at(vTable),
        at(u.table),
        at(mTable),
        byRows ? from : 0,
        byRows ? to : tc,
        co,
        ci,
        1,
        ci,
        0,
        byRows ? 0 : from,
        byRows ? 36 : to,
      ]);
    } else {
      // U is the same for every chunk: XNNPACK packs it once per plane (its operator cache).
      m = v.map((a, k) =>
        ops.call('BatchMatMul', { a, b: u.planes[k]! }, { transposeA: false, transposeB: false }),
      );
      fillTable(heap, mTable, m);
    }
    runSplit(ops.backend, transforms, 0, 'winogradOutput', tc, 1, (from, to, part) => [
      at(mTable),
      own(part),
      at(y),
      biasAt,
      Number(relu),
      n,
      oh,
      ow,
      co,
      tilesH,
      tilesW,
      t0,
      from,
      to,
    ]);
    ops.release(...m);
  }
  if (u.owned) ops.release(...u.planes, u.table);
  ops.release(...v, ...mPlanes, vTable, mTable, scratch);
  return y;
}

/**
 * dW of a convolution Winograd takes, by the adjoint transforms: per chunk of tiles, the input
 * tiles V ([tiles, ci]) and the output-gradient tiles W ([tiles, co]) meet in the module's plane
 * GEMMs dU += Vᵀ·W (depth: the tiles; split by plane over the kernel threads), and after the
 * last chunk Gᵀ·dU·G makes the [3, 3, ci, co] gradient. XNNPACK is not used here: its GEMMs
 * pack a fresh B operand per call and, at ci x co outputs, ran at half the speed.
 */
export function winogradFilterGradient(
  ops: KernelOps,
  transforms: WinogradGradTransforms,
  x: TensorInfo,
  dy: TensorInfo,
  plan: WinogradPlan,
): TensorInfo {
  const heap = asHeapBackend(ops.backend, 'Conv2DBackpropFilter');
  const gemm = simdKernels(ops.backend)!;
  const { n, ci, co, oh, ow, tilesH, tilesW } = plan;
  const tiles = n * tilesH * tilesW;
  const tc = chunkTiles(tiles, ci, co, cachedChunkBytes());
  const dw = heap.makeOutput([3, 3, ci, co], 'float32');
  const v = planes(heap, tc, ci);
  const wt = planes(heap, tc, co);
  const du = planes(heap, ci, co);
  const vTable = tableOf(heap, v);
  const wTable = tableOf(heap, wt);
  const uTable = tableOf(heap, du);
  const scratch = scratchFor(ops.backend, heap);
  const at = (info: TensorInfo): number => heapAddress(heap, info);
  const own = (part: number) => at(scratch) + SCRATCH_BYTES * part;
  for (let t0 = 0; t0 < tiles; t0 += tc) {
    transformInput(ops.backend, transforms, 1, at(x), at(vTable), own, plan, t0, tc);
    runSplit(ops.backend, transforms, 1, 'winogradGradOutput', tc, 1, (from, to, part) => [
      at(dy),
      at(wTable),
      own(part),
      n,
      oh,
      ow,
      co,
      tilesH,
      tilesW,
      t0,
      from,
      to,
    ]);
    // dU_k (ci x co) += V_kᵀ (element (c, t) at t * ci + c) · W_k, over this chunk's tiles.
    const accumulate = Number(t0 > 0);
    runSplit(ops.backend, gemm, 2, 'planeGemm', 36, 1, (from, to) => [
      at(vTable),
      at(wTable),
      at(uTable),
      0,
      ci,
      co,
      tc,
      ci,
      1,
      accumulate,
      from,
      to,
    ]);
  }
  runSplit(ops.backend, transforms, 1, 'winogradFilterGrad', ci, 1, (from, to, part) => [
    at(uTable),
    own(part),
    at(dw),
    ci,
    co,
    from,
    to,
  ]);
  ops.release(...v, ...wt, ...du, vTable, wTable, uTable, scratch);
  return dw;
}

/**
 * The input transform of the chunk of `tc` tiles from `t0` (x and the plane table by heap
 * address), split by tile rows; `own(part)` is each part's scratch.
 */
function transformInput(
  backend: KernelBackend,
  transforms: WinogradTransforms | WinogradGradTransforms,
  module: 0 | 1,
  x: number,
  table: number,
  own: (part: number) => number,
  plan: WinogradPlan,
  t0: number,
  tc: number,
): void {
  const { n, h, w, ci, tilesH, tilesW, padTop, padLeft } = plan;
  runSplit(backend, transforms, module, 'winogradInput', tc, 1, (from, to, part) => [
    ...[x, table, own(part), n, h, w, ci, tilesH, tilesW],
    ...[t0, padTop, padLeft, from, to],
  ]);
}

/**
 * The kernel module, where the Winograd GEMMs run on it: everywhere it loads except a threaded
 * build without kernel threads (a browser page), where XNNPACK's pool has threads this module
 * cannot use. On one thread it ran 1.4-1.6x faster than XNNPACK on ResNet-18's layers (no
 * packing of the filter planes per call, chunks that stay in cache), and as fast or faster with
 * kernel threads on two.
 */
function ownGemmFor(backend: KernelBackend): SimdKernels | null {
  if (gemmChoice === 'xnnpack') return null;
  if (gemmChoice === undefined && threadedBackend(backend) && kernelThreads(backend) < 2) {
    return null;
  }
  return simdKernels(backend);
}

let gemmChoice: 'module' | 'xnnpack' | undefined;

/**
 * Which GEMMs the Winograd convolution runs (the filter gradient always runs the module's):
 * 'module' (`planeGemm`) or 'xnnpack' wherever they can, `undefined` for the choice above.
 * For tests and comparisons: a split and an unsplit run of the same GEMMs give the same bits.
 */
export function setWinogradGemm(choice: 'module' | 'xnnpack' | undefined): void {
  gemmChoice = choice;
}

/** Chunk bytes where the module's GEMMs run: L2-sized (see CACHED_CHUNK_BYTES). */
function cachedChunkBytes(): number {
  return Math.min(chunkBytes, CACHED_CHUNK_BYTES);
}

/**
 * Tiles per chunk: equal chunks (a last chunk of a few tiles would cost a whole chunk's GEMMs),
 * each at least MIN_CHUNK_TILES: thinner GEMMs leave XNNPACK's tiles half empty.
 */
function chunkTiles(tiles: number, ci: number, co: number, bytes = chunkBytes): number {
  const most = Math.max(MIN_CHUNK_TILES, Math.floor(bytes / (36 * 4 * Math.max(ci, co))));
  return Math.ceil(tiles / Math.ceil(tiles / most));
}

/** Whether a FusedConv2D bias is one value per output channel (what the transform adds). */
export function perChannelBias(bias: TensorInfo | undefined, co: number): boolean {
  return bias === undefined || (bias.dtype === 'float32' && util.sizeFromShape(bias.shape) === co);
}
