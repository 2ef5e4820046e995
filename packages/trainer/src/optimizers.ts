import * as tf from '@tensorflow/tfjs-core';
import { InvalidOptionError } from './errors.js';
import type { NamedTensor } from './types.js';

export const OPTIMIZER_NAMES = ['adadelta', 'sgd', 'adam', 'adamw'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

export interface OptimizerOptions {
  name: OptimizerName;
  lr: number;
  /** SGD momentum (default 0). */
  momentum?: number;
  /** SGD Nesterov momentum (default false; needs momentum > 0). */
  nesterov?: boolean;
  /**
   * Weight decay. Coupled L2 (`grad += wd * w`, as PyTorch's SGD/Adadelta/Adam) except for
   * `adamw`, where it is decoupled (`w *= 1 - lr * wd` before the step). Default 0.
   */
  weightDecay?: number;
  /** Apply weight decay to rank ≤ 1 weights (biases, BN gamma/beta) too. Default true (PyTorch). */
  decayBiasAndNorm?: boolean;
  /** Adadelta decay (default 0.9). */
  rho?: number;
  /** Adadelta default 1e-6, Adam default 1e-8 (PyTorch defaults). */
  epsilon?: number;
  beta1?: number;
  beta2?: number;
}

/**
 * Optimizer base: per-variable state slots kept by position in the gradient list (as tfjs does),
 * a learning rate read on every `applyGradients`, and weight decay. The update rules follow
 * PyTorch 1.13 op by op. tfjs-core's own Adadelta divides by the accumulator of the previous step
 * (PyTorch and Keras use the updated one), and its Adam keeps the bias correction as a float32
 * running product that `setWeights` recomputes with `pow`, so a resumed run would drift; hence
 * these implementations. SGD/momentum matches `tf.train.momentum` exactly.
 */
export abstract class SevarOptimizer extends tf.Optimizer {
  learningRate: number;
  readonly weightDecay: number;
  readonly decayBiasAndNorm: boolean;
  private slots: tf.Variable[][] = [];

  protected abstract readonly slotNames: readonly string[];
  /** Runs inside `tf.tidy`: returns the new value of `w`, writes new slot values via assign. */
  protected abstract update(
    w: tf.Tensor,
    g: tf.Tensor,
    slots: tf.Variable[],
    step: number,
  ): tf.Tensor;
  protected get decoupledDecay(): boolean {
    return false;
  }

  constructor(lr: number, weightDecay = 0, decayBiasAndNorm = true) {
    super();
    this.learningRate = lr;
    this.weightDecay = weightDecay;
    this.decayBiasAndNorm = decayBiasAndNorm;
  }

  setLearningRate(lr: number): void {
    this.learningRate = lr;
  }

  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const list: NamedTensor[] = Array.isArray(variableGradients)
      ? variableGradients
      : Object.keys(variableGradients).map((name) => ({ name, tensor: variableGradients[name]! }));
    const step = this.iterations + 1;
    list.forEach(({ name, tensor: grad }, i) => {
      const variable = tf.engine().registeredVariables[name];
      if (variable === undefined) {
        throw new InvalidOptionError(
          `${this.getClassName()}.applyGradients`,
          'a registered variable name',
          name,
        );
      }
      let slots = this.slots[i];
      if (slots === undefined) {
        slots = this.slotNames.map(() => tf.tidy(() => tf.zerosLike(variable).variable(false)));
        this.slots[i] = slots;
      }
      if (grad == null) return;
      const decay = this.weightDecay !== 0 && (this.decayBiasAndNorm || variable.rank > 1);
      tf.tidy(() => {
        let w: tf.Tensor = variable;
        let g = grad;
        if (decay && this.decoupledDecay) w = tf.mul(w, 1 - this.learningRate * this.weightDecay);
        else if (decay) g = tf.add(g, tf.mul(w, this.weightDecay));
        variable.assign(this.update(w, g, slots, step));
      });
    });
    this.incrementIterations();
  }

  /** `[iter, ...slots]`, slots in gradient-list order, each named `<variable>/<slot>`. */
  override async getWeights(): Promise<NamedTensor[]> {
    const names = this.slotNames;
    return [await this.saveIterations()].concat(
      this.slots.flatMap((slots, i) =>
        slots.map((variable, j) => ({ name: `${i}/${names[j]}`, tensor: variable })),
      ),
    );
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    const per = this.slotNames.length;
    if (per === 0 ? rest.length !== 0 : rest.length % per !== 0) {
      throw new InvalidOptionError(
        `${this.getClassName()}.setWeights`,
        `iter + a multiple of ${per} slot tensors`,
        `${weightValues.length} tensors`,
      );
    }
    this.disposeSlots();
    for (let i = 0; per > 0 && i < rest.length / per; i++) {
      this.slots.push(rest.slice(i * per, (i + 1) * per).map((t) => t.tensor.variable(false)));
    }
  }

  override dispose(): void {
    this.disposeSlots();
    super.dispose();
  }

  private disposeSlots(): void {
    for (const slots of this.slots) tf.dispose(slots);
    this.slots = [];
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, weightDecay: this.weightDecay };
  }
}

export class SevarSGD extends SevarOptimizer {
  static get className(): string {
    return 'SevarSGD';
  }
  protected readonly slotNames: readonly string[];

  constructor(
    lr: number,
    readonly momentum = 0,
    readonly nesterov = false,
    weightDecay = 0,
    decayBiasAndNorm = true,
  ) {
    super(lr, weightDecay, decayBiasAndNorm);
    this.slotNames = momentum === 0 ? [] : ['momentum'];
  }

  protected update(w: tf.Tensor, g: tf.Tensor, slots: tf.Variable[]): tf.Tensor {
    let d = g;
    const buf = slots[0];
    if (buf !== undefined) {
      // Zero-initialised buffer: the first step gives buf = g, as PyTorch's clone(g).
      const next = tf.add(tf.mul(buf, this.momentum), g);
      buf.assign(next);
      d = this.nesterov ? tf.add(g, tf.mul(next, this.momentum)) : next;
    }
    return tf.sub(w, tf.mul(d, this.learningRate));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), momentum: this.momentum, nesterov: this.nesterov };
  }
}
tf.serialization.registerClass(SevarSGD);

export class SevarAdadelta extends SevarOptimizer {
  static get className(): string {
    return 'SevarAdadelta';
  }
  protected readonly slotNames = ['square_avg', 'acc_delta'] as const;

  constructor(
    lr: number,
    readonly rho = 0.9,
    readonly epsilon = 1e-6,
    weightDecay = 0,
    decayBiasAndNorm = true,
  ) {
    super(lr, weightDecay, decayBiasAndNorm);
  }

  protected update(w: tf.Tensor, g: tf.Tensor, slots: tf.Variable[]): tf.Tensor {
    const [squareAvg, accDelta] = slots as [tf.Variable, tf.Variable];
    const sq = tf.add(tf.mul(squareAvg, this.rho), tf.mul(tf.mul(g, g), 1 - this.rho));
    const std = tf.sqrt(tf.add(sq, this.epsilon));
    const delta = tf.mul(tf.div(tf.sqrt(tf.add(accDelta, this.epsilon)), std), g);
    accDelta.assign(tf.add(tf.mul(accDelta, this.rho), tf.mul(tf.mul(delta, delta), 1 - this.rho)));
    squareAvg.assign(sq);
    return tf.sub(w, tf.mul(delta, this.learningRate));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rho: this.rho, epsilon: this.epsilon };
  }
}
tf.serialization.registerClass(SevarAdadelta);

export class SevarAdam extends SevarOptimizer {
  static get className(): string {
    return 'SevarAdam';
  }
  protected readonly slotNames = ['exp_avg', 'exp_avg_sq'] as const;

  constructor(
    lr: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-8,
    weightDecay = 0,
    readonly decoupled = false,
    decayBiasAndNorm = true,
  ) {
    super(lr, weightDecay, decayBiasAndNorm);
  }

  protected override get decoupledDecay(): boolean {
    return this.decoupled;
  }

  protected update(w: tf.Tensor, g: tf.Tensor, slots: tf.Variable[], step: number): tf.Tensor {
    const [m, v] = slots as [tf.Variable, tf.Variable];
    const nm = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
    const nv = tf.add(tf.mul(v, this.beta2), tf.mul(tf.mul(g, g), 1 - this.beta2));
    m.assign(nm);
    v.assign(nv);
    // Bias corrections in float64 from the step count, as PyTorch does.
    const stepSize = this.learningRate / (1 - this.beta1 ** step);
    const denom = tf.add(tf.div(tf.sqrt(nv), Math.sqrt(1 - this.beta2 ** step)), this.epsilon);
    return tf.sub(w, tf.mul(tf.div(nm, denom), stepSize));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      decoupled: this.decoupled,
    };
  }
}
tf.serialization.registerClass(SevarAdam);

function check(name: string, value: unknown, ok: boolean, expected: string): void {
  if (!ok) throw new InvalidOptionError(`createOptimizer: ${name}`, expected, value);
}

/** Creates one of the trainer's optimizers; its learning rate is set per step by the schedule. */
export function createOptimizer(options: OptimizerOptions): SevarOptimizer {
  const { name, lr } = options;
  const wd = options.weightDecay ?? 0;
  const decayAll = options.decayBiasAndNorm ?? true;
  check('lr', lr, Number.isFinite(lr) && lr >= 0, 'a finite number >= 0');
  check('weightDecay', wd, Number.isFinite(wd) && wd >= 0, 'a finite number >= 0');
  switch (name) {
    case 'sgd': {
      const momentum = options.momentum ?? 0;
      const nesterov = options.nesterov ?? false;
      check('momentum', momentum, momentum >= 0 && momentum < 1, 'a number in [0, 1)');
      check('nesterov', nesterov, !nesterov || momentum > 0, 'false when momentum is 0');
      return new SevarSGD(lr, momentum, nesterov, wd, decayAll);
    }
    case 'adadelta': {
      const rho = options.rho ?? 0.9;
      check('rho', rho, rho >= 0 && rho <= 1, 'a number in [0, 1]');
      return new SevarAdadelta(lr, rho, options.epsilon ?? 1e-6, wd, decayAll);
    }
    case 'adam':
    case 'adamw':
      return new SevarAdam(
        lr,
        options.beta1 ?? 0.9,
        options.beta2 ?? 0.999,
        options.epsilon ?? 1e-8,
        wd,
        name === 'adamw',
        decayAll,
      );
    default:
      throw new InvalidOptionError(
        'createOptimizer: name',
        `one of ${OPTIMIZER_NAMES.map((n) => `'${n}'`).join(', ')}`,
        name,
      );
  }
}
