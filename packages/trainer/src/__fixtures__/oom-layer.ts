// Test fixture: a layer that fails a training forward pass the way the wasm backend does when its
// heap is exhausted (imported by data-parallel workers too, so it is built with the fixtures).
import { serialization, type Tensor } from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

// WebAssembly's types come with the DOM lib, which this package does not use.
const { RuntimeError } = (globalThis as unknown as { WebAssembly: { RuntimeError: ErrorConstructor } })
  .WebAssembly;

export class SevarTestOutOfMemory extends tfl.layers.Layer {
  static className = 'SevarTestOutOfMemory';

  override call(inputs: Tensor | Tensor[], kwargs: { training?: boolean }): Tensor | Tensor[] {
    if (kwargs.training === true) {
      throw new RuntimeError('memory access out of bounds');
    }
    return inputs;
  }
}
serialization.registerClass(SevarTestOutOfMemory);

/** A small model with the failing layer after its first conv. */
export function outOfMemoryModel(): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 3 }),
      new SevarTestOutOfMemory({}),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 4 }),
    ],
  });
}
