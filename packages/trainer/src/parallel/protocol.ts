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
}

export interface StepMessage {
  type: 'step';
  trainable: Float32Array[];
  nonTrainable: Float32Array[];
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
      type: 'grads';
      grads: Float32Array[];
      /** BN moving statistics after this shard's forward pass. */
      nonTrainable: Float32Array[];
      /** Sum of the per-example loss over the shard. */
      lossSum: number;
      /** Top-1 and top-5 hits over the shard (ties shared, see `topKHits`). */
      top1Hits: number;
      top5Hits: number;
      /** Tensors alive in the worker after the step (leak check). */
      numTensors: number;
    }
  | { type: 'error'; message: string; stack?: string };
