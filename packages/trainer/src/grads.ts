import * as tf from '@tensorflow/tfjs-core';

/** The parts of tfjs-core's Engine (4.x) this module drives. */
interface TapeNode {
  id: number;
  outputs: tf.Tensor[];
  inputs: Record<string, tf.Tensor>;
  saved?: tf.Tensor[];
  kernelName: string;
  gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
}
interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  startTape(): void;
  endTape(): void;
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  tidy<T extends tf.TensorContainer>(name: string, f: () => T): T;
}

/**
 * Kernels whose tfjs-core 4.x gradient reads only the shape of the inputs it saves (checked
 * against each gradient function; the gradient tests compare with `tf.variableGrads` bit for
 * bit). Keeping those inputs alive held, in a ResNet step, the squared deviations of every
 * batch-norm and the branch output of every residual addition until the backward pass.
 */
const SHAPE_ONLY_SAVES = new Set(['Add', 'Sub', 'Mean', 'Sum', 'Reshape', 'PadV2']);

/** What a shape-only gradient function reads of a saved tensor. */
interface ShapeStandIn {
  readonly shape: number[];
  readonly dtype: tf.DataType;
  readonly rank: number;
  readonly size: number;
}

/** Replaces the saved inputs of shape-only nodes by stand-ins as the forward pass records them. */
function slimmingPush(tape: TapeNode[]): void {
  const push = tape.push.bind(tape);
  tape.push = (...nodes: TapeNode[]) => {
    for (const node of nodes) {
      const saved = node.saved;
      if (saved === undefined || !SHAPE_ONLY_SAVES.has(node.kernelName)) continue;
      for (let i = 0; i < saved.length; i++) {
        const t = saved[i]!;
        // The gradient closure holds this same array, so it sees the stand-in.
        const standIn: ShapeStandIn = {
          shape: [...t.shape],
          dtype: t.dtype,
          rank: t.rank,
          size: t.size,
        };
        saved[i] = standIn as unknown as tf.Tensor;
        t.dispose();
      }
    }
    return push(...nodes);
  };
}

const isTensor = (t: unknown): t is tf.Tensor => t instanceof tf.Tensor;

/**
 * The tape nodes on a path from one of `xs` to `y`, inputs pruned to those depending on `xs`
 * (tfjs-core's `getFilteredNodesXToY`, which its package entry does not export).
 */
function nodesFromXToY(tape: TapeNode[], xs: tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromX = new Set(xs.map((x) => x.id));
  const nodesFromX = new Set<number>();
  for (const node of tape) {
    if (Object.values(node.inputs).some((t) => fromX.has(t.id))) {
      nodesFromX.add(node.id);
      for (const o of node.outputs) fromX.add(o.id);
    }
  }
  const toY = new Set([y.id]);
  const nodesToY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i]!;
    if (node.outputs.some((o) => toY.has(o.id))) {
      nodesToY.add(node.id);
      for (const t of Object.values(node.inputs)) toY.add(t.id);
    }
  }
  return tape
    .filter((node) => nodesFromX.has(node.id) && nodesToY.has(node.id))
    .map((node) => ({
      ...node,
      inputs: Object.fromEntries(Object.entries(node.inputs).filter(([, t]) => fromX.has(t.id))),
    }));
}

/**
 * `tf.variableGrads` with tfjs-core's own backward walk, except that each node's output
 * gradients and saved forward tensors are disposed as soon as the node has been differentiated,
 * and that nodes whose gradient needs only the shapes of their inputs do not keep the inputs.
 * tfjs keeps every intermediate gradient and every saved tensor until the whole backward pass
 * ends, which more than doubles a ResNet step's peak memory (wasm's heap never shrinks after).
 */
export function lowMemoryVariableGrads(
  f: () => tf.Scalar,
  varList: tf.Variable[],
): { value: tf.Scalar; grads: tf.NamedTensorMap } {
  const engine = tf.engine() as unknown as EngineInternals;
  try {
    return differentiate(engine, f, varList);
  } finally {
    // Also when f or a gradient throws (a backend out of memory): tfjs keeps the tensors a node
    // saves for its gradient outside every tidy scope, so they would leak.
    if (engine.state.gradientDepth === 0 && engine.state.activeTape !== null) {
      for (const node of engine.state.activeTape)
        for (const t of node.saved ?? []) if (isTensor(t)) t.dispose();
      engine.state.activeTape = null;
    }
  }
}

function differentiate(
  engine: EngineInternals,
  f: () => tf.Scalar,
  varList: tf.Variable[],
): { value: tf.Scalar; grads: tf.NamedTensorMap } {
  const xs = varList.filter((v) => v.trainable);
  const y = engine.scopedRun(
    () => {
      const owned = engine.state.gradientDepth === 0;
      engine.startTape();
      if (owned && engine.state.activeTape !== null) slimmingPush(engine.state.activeTape);
    },
    () => engine.endTape(),
    () => engine.tidy('forward', f),
  );
  if (!(y instanceof tf.Tensor) || y.rank !== 0)
    throw new Error('lowMemoryVariableGrads: f must return a scalar tensor');
  const tape = nodesFromXToY(engine.state.activeTape ?? [], xs, y);
  const grads = engine.tidy('backward', () => {
    const map = new Map<number, tf.Tensor>([[y.id, tf.onesLike(y)]]);
    // Tensors currently held as a gradient (a gradient function may return its dy unchanged).
    const held = (t: tf.Tensor) => {
      for (const g of map.values()) if (g === t) return true;
      return false;
    };
    for (let i = tape.length - 1; i >= 0; i--) {
      const node = tape[i]!;
      const dys = node.outputs.map((o) => map.get(o.id) ?? null);
      if (node.gradient == null)
        throw new Error(
          `Cannot compute gradient: gradient function not found for ${node.kernelName}.`,
        );
      const inputGradients = node.gradient(dys);
      for (const [name, x] of Object.entries(node.inputs)) {
        const gradFn = inputGradients[name];
        if (gradFn === undefined)
          throw new Error(`Cannot backprop through input ${name} of ${node.kernelName}.`);
        const dx = engine.tidy('grad', gradFn);
        const previous = map.get(x.id);
        if (previous === undefined) map.set(x.id, dx);
        else {
          map.set(x.id, tf.add(previous, dx));
          if (!held(previous)) previous.dispose();
          if (!held(dx)) dx.dispose();
        }
      }
      // This node's outputs feed no other node: their gradients and its saved tensors are done.
      for (const o of node.outputs) {
        const dy = map.get(o.id);
        map.delete(o.id);
        if (dy !== undefined && !held(dy)) dy.dispose();
      }
      for (const t of node.saved ?? []) if (isTensor(t) && !held(t)) t.dispose();
    }
    const named: tf.NamedTensorMap = {};
    for (const v of xs) {
      const g = map.get(v.id);
      if (g !== undefined) named[v.name] = g;
    }
    return named;
  });
  if (Object.keys(grads).length === 0)
    throw new Error('lowMemoryVariableGrads: no variable in varList reaches the result of f');
  return { value: y as tf.Scalar, grads };
}
