// Where a training step's time goes: every kernel of a backend wrapped with a timer. The wasm
// and cpu backends run kernels synchronously, so wall time around kernelFunc is the kernel's.
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';

export interface KernelShare {
  name: string;
  /** What the kernel does in a training step (forward conv, conv dW, ...). */
  group: string;
  calls: number;
  ms: number;
}

/** Time of one convolution kernel at one geometry (input and filter shapes, stride). */
export interface ConvShare {
  /** `Conv2DBackpropFilter 64x32x32x64 * 3x3x64x64 s1`, say. */
  key: string;
  calls: number;
  ms: number;
}

const CONV = /Conv2D|Conv2dNative/;

interface ShapeArgs {
  inputs: Record<string, { shape: number[] } | undefined>;
  attrs?: Record<string, unknown>;
}

/** The geometry a convolution kernel ran at: its input (x or dy), its filter, its stride. */
function convKey(name: string, args: ShapeArgs): string {
  const { inputs, attrs } = args;
  const dims = (s: number[] | undefined) => (s ? s.join('x') : '?');
  const x = inputs.x ?? inputs.dy;
  const filter = inputs.filter ?? inputs.dy;
  const filterShape = name.includes('BackpropFilter')
    ? (attrs?.filterShape as number[] | undefined)
    : filter?.shape;
  const inShape = name.includes('BackpropInput')
    ? (attrs?.inputShape as number[] | undefined)
    : x?.shape;
  const s = attrs?.strides;
  const stride = Array.isArray(s) ? s[0] : s;
  return `${name} ${dims(inShape)} * ${dims(filterShape)} s${String(stride ?? '?')}`;
}

const GROUPS: Array<[RegExp, string]> = [
  [/^(Conv2D|FusedConv2D|DepthwiseConv2dNative|FusedDepthwiseConv2D)$/, 'forward conv'],
  [/^(Conv2DBackpropInput|DepthwiseConv2dNativeBackpropInput)$/, 'conv dX'],
  [/^(Conv2DBackpropFilter|DepthwiseConv2dNativeBackpropFilter)$/, 'conv dW'],
  [/^(FusedBatchNorm)$/, 'batch norm'],
  [/^(BatchMatMul|_FusedMatMul)$/, 'matmul'],
  [/Pool/, 'pooling'],
  [/^(Sum|Mean|Max|Min|Prod|ArgMax|All|Any)$/, 'reductions'],
  [
    /^(Transpose|Reshape|Tile|PadV2|Slice|Concat|Cast|Identity|Reverse|Fill|OneHot|GatherV2)$/,
    'layout',
  ],
];

function groupOf(name: string): string {
  return GROUPS.find(([re]) => re.test(name))?.[1] ?? 'elementwise';
}

/**
 * Wraps every kernel of `backendName` with a timer until `stop()`. Time is charged to the
 * outermost kernel (a gradient kernel built from Conv2D calls counts as the gradient).
 */
export function profileKernels(backendName: string): {
  stop(): KernelShare[];
  convs(): ConvShare[];
} {
  const originals = tf.getKernelsForBackend(backendName);
  const stats = new Map<string, KernelShare>();
  const convStats = new Map<string, ConvShare>();
  let depth = 0;
  for (const config of originals) {
    const inner = config.kernelFunc;
    const wrapped: KernelFunc = (args) => {
      if (depth > 0) return inner(args);
      depth++;
      const t0 = performance.now();
      try {
        return inner(args);
      } finally {
        depth--;
        const name = config.kernelName;
        const s = stats.get(name) ?? { name, group: groupOf(name), calls: 0, ms: 0 };
        s.calls++;
        const ms = performance.now() - t0;
        s.ms += ms;
        stats.set(name, s);
        if (CONV.test(name)) {
          const key = convKey(name, args as unknown as ShapeArgs);
          const c = convStats.get(key) ?? { key, calls: 0, ms: 0 };
          c.calls++;
          c.ms += ms;
          convStats.set(key, c);
        }
      }
    };
    tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel({ ...config, kernelFunc: wrapped });
  }
  return {
    stop(): KernelShare[] {
      for (const config of originals) {
        tf.unregisterKernel(config.kernelName, backendName);
        tf.registerKernel(config as KernelConfig);
      }
      return [...stats.values()].sort((a, b) => b.ms - a.ms);
    },
    convs(): ConvShare[] {
      return [...convStats.values()].sort((a, b) => b.ms - a.ms);
    },
  };
}

/** Lines of a profile: shares by group, then the kernels above 1% of the step. */
export function formatProfile(
  label: string,
  stepMs: number,
  kernels: KernelShare[],
  convs: ConvShare[] = [],
): string[] {
  const pct = (ms: number) => `${((100 * ms) / stepMs).toFixed(1)}%`;
  const groups = new Map<string, number>();
  for (const k of kernels) groups.set(k.group, (groups.get(k.group) ?? 0) + k.ms);
  const inKernels = kernels.reduce((a, k) => a + k.ms, 0);
  groups.set('outside kernels (JS, tape)', Math.max(0, stepMs - inKernels));
  const byGroup = [...groups].sort((a, b) => b[1] - a[1]);
  return [
    `profile ${label}: one step ${stepMs.toFixed(0)} ms`,
    `  by kind: ${byGroup.map(([g, ms]) => `${g} ${pct(ms)}`).join(', ')}`,
    `  kernels: ${kernels
      .filter((k) => k.ms >= stepMs / 100)
      .map((k) => `${k.name} ${pct(k.ms)} (${k.calls}x)`)
      .join(', ')}`,
    ...(convs.length > 0 ? ['  convolutions above 1% (input * filter, stride):'] : []),
    ...convs
      .filter((c) => c.ms >= stepMs / 100)
      .map((c) => `    ${pct(c.ms).padStart(6)} ${c.key} (${c.calls}x, ${c.ms.toFixed(1)} ms)`),
  ];
}
