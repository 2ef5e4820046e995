// Your own model with an SE variant from @sevar/layers (the model uses nothing else from sevar): build, train briefly with model.fit,
// save and load it back (the variant layers are registered tfjs classes), compare predictions.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { VARIANT_NAMES } from '@sevar/layers';
import type { VariantName } from '@sevar/layers';
import { registerCpuTrainingKernels } from '@sevar/wasm-kernels';
import { tinyNet } from './model.js';

/** A toy task a conv net must look at to solve: is the bright square in the left or right half? */
function toyData(n: number, seed: number): { xs: tf.Tensor4D; ys: tf.Tensor2D } {
  return tf.tidy(() => {
    const images = new Float32Array(n * 16 * 16 * 3);
    const labels = new Int32Array(n);
    let s = seed;
    const rand = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < n; i++) {
      const right = i % 2;
      labels[i] = right;
      const cx = right * 8 + Math.floor(rand() * 5);
      const cy = Math.floor(rand() * 12);
      for (let y = 0; y < 16; y++)
        for (let x = 0; x < 16; x++)
          for (let c = 0; c < 3; c++) {
            const inside = x >= cx && x < cx + 4 && y >= cy && y < cy + 4;
            images[((i * 16 + y) * 16 + x) * 3 + c] = (inside ? 1 : 0) + 0.2 * rand();
          }
    }
    return {
      xs: tf.tensor4d(images, [n, 16, 16, 3]),
      ys: tf.oneHot(tf.tensor1d(labels, 'int32'), 2) as tf.Tensor2D,
    };
  });
}

async function main(): Promise<void> {
  const attention = (process.argv[2] ?? 'bump') as VariantName;
  if (!VARIANT_NAMES.includes(attention)) {
    throw new Error(`expected a variant (${VARIANT_NAMES.join(', ')}), received '${attention}'`);
  }
  await tf.setBackend('cpu');
  // Optional: the cpu backend's stock conv gradients are slow loops; these are ~17x faster.
  registerCpuTrainingKernels();
  const model = tinyNet({ attention, numClasses: 2 });
  model.compile({
    optimizer: tf.train.adam(0.01),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  const { xs, ys } = toyData(64, 1);
  const history = await model.fit(xs, ys, { epochs: 6, batchSize: 16, verbose: 0, shuffle: true });
  const loss = history.history['loss'] as number[];
  const acc = history.history['acc'] as number[];
  console.log(
    `${attention}: ${model.countParams()} params; loss ${loss[0]!.toFixed(4)} -> ${loss.at(-1)!.toFixed(4)}, accuracy ${acc.at(-1)!.toFixed(3)}`,
  );

  // Save to memory and load back: works because each variant is a registered tfjs class.
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts!));
  const [a, b] = [model.predict(xs) as tf.Tensor, loaded.predict(xs) as tf.Tensor];
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
  console.log(
    `reloaded: ${loaded.layers.filter((l) => l.getClassName().startsWith('Sevar')).length} attention layers, max prediction difference ${diff}`,
  );
  tf.dispose([a, b, xs, ys]);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
