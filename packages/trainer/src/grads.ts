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

/** Runs `f` on a new tape, slimmed (shape-only saves) when this is the outermost gradient. */
function recordTape(engine: EngineInternals, f: () => tf.Tensor): unknown {
  return engine.scopedRun(
    () => {
      const owned = engine.state.gradientDepth === 0;
      engine.startTape();
      if (owned && engine.state.activeTape !== null) slimmingPush(engine.state.activeTape);
    },
    () => engine.endTape(),
    () => engine.tidy('forward', f),
  );
}

/** tfjs keeps the tensors a node saves outside every tidy scope: the outermost gradient frees them. */
function releaseTape(engine: EngineInternals): void {
  if (engine.state.gradientDepth === 0 && engine.state.activeTape !== null) {
    for (const node of engine.state.activeTape)
      for (const t of node.saved ?? []) if (isTensor(t)) t.dispose();
    engine.state.activeTape = null;
  }
}

/** tfjs-core's checks of a computed input gradient, with its messages. */
function checkGradient(node: TapeNode, name: string, dx: tf.Tensor, x: tf.Tensor): void {
  if (dx.dtype !== 'float32')
    throw new Error(
      `Error in gradient for op ${node.kernelName}. The gradient of input ${name} must have ` +
        `'float32' dtype, but has '${dx.dtype}'`,
    );
  if (!tf.util.arraysEqual(dx.shape, x.shape))
    throw new Error(
      `Error in gradient for op ${node.kernelName}. The gradient of input '${name}' has shape ` +
        `'${dx.shape}', which does not match the shape of the input '${x.shape}'`,
    );
}

/**
 * tfjs-core's backward walk over `tape` from `y` (seeded with `seed`), in the same order and with
 * the same additions, except that each node's output gradients and saved tensors are disposed as
 * soon as the node has been differentiated. The gradients of `keep` (ids) and `seed` itself are
 * never disposed. Run inside a tidy; returns the gradients by tensor id.
 */
function backward(
  engine: EngineInternals,
  tape: TapeNode[],
  y: tf.Tensor,
  seed: tf.Tensor,
  keep: Set<number>,
): Map<number, tf.Tensor> {
  const map = new Map<number, tf.Tensor>([[y.id, seed]]);
  // A tensor still held as a gradient (a gradient function may return its dy unchanged).
  const held = (t: tf.Tensor) => {
    if (t === seed) return true;
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
        throw new Error(
          `Cannot backprop through input ${name}. Available gradients found: ` +
            `${Object.keys(inputGradients)}.`,
        );
      const dx = engine.tidy('grad', gradFn);
      checkGradient(node, name, dx, x);
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
      if (keep.has(o.id)) continue;
      const dy = map.get(o.id);
      map.delete(o.id);
      if (dy !== undefined && !held(dy)) dy.dispose();
    }
    for (const t of node.saved ?? []) if (isTensor(t) && !held(t)) t.dispose();
  }
  return map;
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
    const xs = varList.filter((v) => v.trainable);
    const y = recordTape(engine, f);
    if (!(y instanceof tf.Tensor) || y.rank !== 0)
      throw new Error('lowMemoryVariableGrads: f must return a scalar tensor');
    const tape = nodesFromXToY(engine.state.activeTape ?? [], xs, y);
    const grads = engine.tidy('backward', () => {
      const map = backward(engine, tape, y, tf.onesLike(y), new Set(xs.map((x) => x.id)));
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
  } finally {
    // Also when f or a gradient throws (a backend out of memory).
    releaseTape(engine);
  }
}

/** The signature of tfjs-core's `Engine.gradients`, which every tfjs gradient function calls. */
export type EngineGradients = <T extends tf.Tensor>(
  f: () => T,
  xs: tf.Tensor[],
  dy?: T,
  allowNoGradients?: boolean,
) => { value: T; grads: tf.Tensor[] };

/**
 * A drop-in `Engine.gradients` (tfjs-core 4.x) with `lowMemoryVariableGrads`' backward walk:
 * the same values bit for bit, errors and tensors returned, with less memory held. Used for
 * first-order gradients only; inside another gradient (higher order) `stock` runs.
 */
function lowMemoryEngineGradients(stock: EngineGradients): EngineGradients {
  return <T extends tf.Tensor>(f: () => T, xs: tf.Tensor[], dy?: T, allowNoGradients = false) => {
    const engine = tf.engine() as unknown as EngineInternals;
    if (engine.state.gradientDepth > 0) return stock(f, xs, dy, allowNoGradients);
    tf.util.assert(xs.length > 0, () => 'gradients() received an empty list of xs.');
    if (dy != null && dy.dtype !== 'float32')
      throw new Error(`dy must have 'float32' dtype, but has '${dy.dtype}'`);
    let y: unknown;
    try {
      y = recordTape(engine, f);
      tf.util.assert(
        y instanceof tf.Tensor,
        () => 'The result y returned by f() must be a tensor.',
      );
      const value = y as T;
      const tape = nodesFromXToY(engine.state.activeTape ?? [], xs, value);
      if (!allowNoGradients && tape.length === 0 && xs.length > 0)
        throw new Error(
          'Cannot compute gradient of y=f(x) with respect to x. Make sure that the f you passed ' +
            'encloses all operations that lead from x to y.',
        );
      return engine.tidy('backward', () => {
        const seed = dy ?? tf.ones(value.shape);
        const map = backward(engine, tape, value, seed, new Set(xs.map((x) => x.id)));
        return { value, grads: xs.map((x) => map.get(x.id)!) };
      });
    } catch (error) {
      // tfjs would leave y behind; free it where f made it (not a tensor f merely returned).
      const made = engine.state.activeTape?.some((n) => n.outputs.includes(y as tf.Tensor));
      if (made === true) (y as tf.Tensor).dispose();
      throw error;
    } finally {
      releaseTape(engine);
    }
  };
}

const STOCK = Symbol.for('sevar.stockEngineGradients');
interface PatchableEngine {
  gradients: EngineGradients;
  [STOCK]?: { own: PropertyDescriptor | undefined };
}

/**
 * `true`: every gradient tfjs computes (`optimizer.minimize`, `tf.variableGrads`, `tf.grads`,
 * `tf.valueAndGrads`, `model.fit`) takes `lowMemoryVariableGrads`' backward walk, which frees
 * each intermediate gradient and saved tensor as soon as it is used: the same values bit for
 * bit, a ResNet-18 step's peak memory 2.5× lower. `false` puts tfjs-core's own back. Replaces
 * `gradients` on the engine instance (tfjs-core 4.x); idempotent. `useBackend` calls it
 * (`lowMemoryGradients`, default true).
 */
export function setLowMemoryGradients(on: boolean): void {
  const engine = tf.engine() as unknown as PatchableEngine;
  const installed = engine[STOCK];
  if (on && installed === undefined) {
    const own = Object.getOwnPropertyDescriptor(engine, 'gradients');
    const stock = engine.gradients.bind(engine) as EngineGradients;
    engine[STOCK] = { own };
    engine.gradients = lowMemoryEngineGradients(stock);
  } else if (!on && installed !== undefined) {
    if (installed.own === undefined) delete (engine as { gradients?: unknown }).gradients;
    else Object.defineProperty(engine, 'gradients', installed.own);
    delete engine[STOCK];
  }
}

/** Whether `setLowMemoryGradients(true)` is in effect. */
export function lowMemoryGradientsOn(): boolean {
  return (tf.engine() as unknown as PatchableEngine)[STOCK] !== undefined;
}
