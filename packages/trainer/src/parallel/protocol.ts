// Messages between `createDataParallelStep` (main thread) and its workers (`worker.ts`).
import type { ConcreteBackendName } from '../backend.js';

export interface InitMessage {
  type: 'init';
  backend: ConcreteBackendName;
  /** Module specifiers or URLs imported before the model is rebuilt (custom layer classes). */
  imports: string[];
  /** `model.toJSON(null, false)`. */
  topology: unknown;
  labelSmoothing: number;
  fusedBatchNorm: boolean;
  /** wasm: threads of the worker's XNNPACK pool. */
  wasmThreads: number;
  /**
   * Written by the main thread before each step: the trainable weights, then the non-trainable
   * ones, each flattened, in model order (float32).
   */
  weights: SharedArrayBuffer;
  /**
   * This worker's reply area, same layout: the gradients of the trainable weights, then its
   * non-trainable weights (BN moving statistics) after the step.
   */
  results: SharedArrayBuffer;
}

export interface StepMessage {
  type: 'step';
  xs: Float32Array;
  xsShape: number[];
  ys: Int32Array;
  /** Shard size / full batch size: the shard's mean loss is scaled by it so gradients sum. */
  scale: number;
}

export type ToWorker = InitMessage | StepMessage | { type: 'close' };

export type FromWorker =
  | { type: 'ready'; trainableShapes: number[][] }
  | {
      /** Gradients and BN moving statistics are in the worker's `results` buffer. */
      type: 'grads';
      /** Sum of the per-example loss over the shard. */
      lossSum: number;
      /** Top-1 and top-5 hits over the shard (ties shared, see `topKHits`). */
      top1Hits: number;
      top5Hits: number;
      /** Tensors alive in the worker after the step (leak check). */
      numTensors: number;
    }
  | {
      type: 'error';
      message: string;
      /** The backend ran out of memory (see `isOutOfMemory`). */
      outOfMemory: boolean;
      stack?: string;
    };
