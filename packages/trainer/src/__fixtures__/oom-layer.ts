// Test fixture: a layer that fails a forward pass (training or inference) the way the wasm backend
// does when its heap is exhausted (imported by data-parallel workers too, so it is built with the
// fixtures).
import { serialization, type Tensor } from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

// WebAssembly's types come with the DOM lib, which this package does not use.
const { RuntimeError } = (globalThis as unknown as { WebAssembly: { RuntimeError: ErrorConstructor } })
  .WebAssembly;

/** The forward passes that fail: training steps, or inference (evaluation). */
export type FailingMode = 'training' | 'inference';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

export type SevarTestOutOfMemoryArgs = LayerArgs & {
  /** Default 'training'. */
  failIn?: FailingMode;
};

export class SevarTestOutOfMemory extends tfl.layers.Layer {
  static className = 'SevarTestOutOfMemory';
  readonly failIn: FailingMode;

  constructor({ failIn, ...args }: SevarTestOutOfMemoryArgs = {}) {
    super(args);
    this.failIn = failIn ?? 'training';
  }

  override call(inputs: Tensor | Tensor[], kwargs: { training?: boolean }): Tensor | Tensor[] {
    if ((kwargs.training === true) === (this.failIn === 'training')) {
      throw new RuntimeError('memory access out of bounds');
    }
    return inputs;
  }

  override getConfig(): serialization.ConfigDict {
    return { ...super.getConfig(), failIn: this.failIn };
  }
}
serialization.registerClass(SevarTestOutOfMemory);

/** A small model with the failing layer after its first conv; it fails training steps by default. */
export function outOfMemoryModel(failIn: FailingMode = 'training'): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 3 }),
      new SevarTestOutOfMemory({ failIn }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 4 }),
    ],
  });
}
