// Builds a small conv net with each SE variant, runs it on a batch, and prints what each adds.
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { createAttention, VARIANTS } from '@sevar/layers';

const CHANNELS = 64;
const REDUCTION = 16;

function build(variant: string | null): tfl.LayersModel {
  const input = tfl.input({ shape: [32, 32, 3] });
  let x = tfl.layers
    .conv2d({ filters: CHANNELS, kernelSize: 3, padding: 'same', activation: 'relu' })
    .apply(input) as tfl.SymbolicTensor;
  if (variant)
    x = createAttention(variant, { reduction: REDUCTION }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.globalAveragePooling2d({}).apply(x) as tfl.SymbolicTensor;
  const output = tfl.layers.dense({ units: 10 }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output });
}

async function main(): Promise<void> {
  await tf.setBackend('wasm');
  const batch = tf.randomUniform([8, 32, 32, 3], 0, 1, 'float32', 42);
  const base = build(null);
  const baseParams = base.countParams();
  const rows: string[][] = [];
  for (const v of VARIANTS) {
    const model = build(v.name);
    const attention = model.layers.find((l) => l.getClassName().startsWith('Sevar'))!;
    const probe = tfl.model({
      inputs: model.inputs,
      outputs: attention.output as tfl.SymbolicTensor,
    });
    const y = probe.predict(batch) as tf.Tensor;
    const logits = model.predict(batch) as tf.Tensor;
    rows.push([
      v.name,
      v.paperName,
      v.widths,
      JSON.stringify(y.shape),
      JSON.stringify(logits.shape),
      String(model.countParams() - baseParams),
    ]);
    tf.dispose([y, logits]);
    model.dispose();
  }
  const head = ['variant', 'paper name', 'FC widths', 'attention output', 'logits', 'extra params'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(
    `backend: ${tf.getBackend()}; conv net 32x32x3 -> conv(${CHANNELS}) -> attention (r=${REDUCTION}) -> GAP -> dense(10); base params ${baseParams}`,
  );
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  batch.dispose();
  base.dispose();
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
