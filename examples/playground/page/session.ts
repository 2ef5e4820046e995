// One run of the playground: a cnn3 per module, trained in turns of `every` steps through
// `train()` from @sevar/trainer (its browser entry), each turn ending with an evaluation on the
// test images. Stopping ends the current turn after its current step; resuming continues every
// module from where it stopped (same weights, optimizer state and batch order).
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { parseAttentionName } from '@sevar/layers';
import { cnn3 } from '@sevar/models';
import { createOptimizer, evaluate, train, withSeed } from '@sevar/trainer';
import type { Metrics } from '@sevar/trainer';
import { Cursor } from './data.js';
import type { PlaygroundData } from './data.js';
import { GateProbe } from './gates.js';
import type { Settings } from './settings.js';

/** One point of a module's curves. */
export interface Point {
  /** Steps trained when it was measured. */
  step: number;
  /** Mean over the turn's steps (the model changing as it goes); null at step 0. */
  train: Metrics | null;
  test: Metrics;
}

export interface ModuleRun {
  readonly name: string;
  readonly model: tfl.LayersModel;
  readonly optimizer: tf.Optimizer;
  /** Trainable parameters. */
  readonly params: number;
  readonly cursor: Cursor;
  /** Null for `none`. */
  readonly gates: GateProbe | null;
  readonly points: Point[];
  /** Training images and wall seconds so far (for images/s). */
  images: number;
  seconds: number;
}

export type RunEnd = 'done' | 'stopped';

function trainableParams(model: tfl.LayersModel): number {
  return model.trainableWeights.reduce(
    (n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1),
    0,
  );
}

function createRun(name: string, s: Settings, classes: number): ModuleRun {
  const attention = parseAttentionName(name);
  // Same seed for every module: the layers they share start from the same draws.
  const model = withSeed(s.seed, () => cnn3({ attention, numClasses: classes }));
  return {
    name,
    model,
    optimizer: createOptimizer({ name: 'adam', lr: s.lr }),
    params: trainableParams(model),
    cursor: new Cursor(),
    gates: attention === 'none' ? null : new GateProbe(model),
    points: [],
    images: 0,
    seconds: 0,
  };
}

export class Session {
  readonly runs: ModuleRun[];
  private stopRequested = false;
  private running = false;

  constructor(
    readonly settings: Settings,
    readonly data: PlaygroundData,
  ) {
    this.runs = [];
    try {
      for (const name of settings.modules) {
        this.runs.push(createRun(name, settings, data.classNames.length));
      }
    } catch (error) {
      this.dispose();
      throw error;
    }
  }

  get finished(): boolean {
    return this.runs.every((r) => r.cursor.steps >= this.settings.steps);
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Ends the current turn after its current step (and its evaluation). */
  requestStop(): void {
    if (this.running) this.stopRequested = true;
  }

  /**
   * Trains every module in turns until each has `settings.steps` steps or a stop is requested;
   * `onPoint` sees every new point (the first at step 0, before any training).
   */
  async run(onPoint: (run: ModuleRun, point: Point) => Promise<void> | void): Promise<RunEnd> {
    if (this.running) throw new Error('this run is already training');
    this.running = true;
    this.stopRequested = false;
    try {
      for (const run of this.runs.filter((r) => r.points.length === 0)) {
        const test = await evaluate(run.model, this.data.test);
        run.points.push({ step: 0, train: null, test });
        await onPoint(run, run.points[0]!);
      }
      while (!this.finished) {
        for (const run of this.runs) {
          if (this.stopRequested) return 'stopped';
          if (run.cursor.steps >= this.settings.steps) continue;
          const point = await this.turn(run);
          await onPoint(run, point);
        }
      }
      return 'done';
    } finally {
      this.running = false;
      this.stopRequested = false;
    }
  }

  /** Up to `every` steps of `run` through `train()`, evaluated on the test images. */
  private async turn(run: ModuleRun): Promise<Point> {
    const { settings: s, data } = this;
    const steps = Math.min(s.every, s.steps - run.cursor.steps);
    const result = await train({
      model: run.model,
      optimizer: run.optimizer,
      epochs: 1,
      seed: s.seed,
      progress: false,
      data: {
        train: run.cursor.chunk(data.train, steps, () => this.stopRequested),
        test: data.test,
      },
    });
    const record = result.history[0]!;
    run.images += record.train.examples;
    run.seconds += record.seconds;
    const point = { step: run.cursor.steps, train: record.train, test: record.test! };
    run.points.push(point);
    return point;
  }

  dispose(): void {
    for (const run of this.runs) {
      run.model.dispose();
      run.optimizer.dispose();
    }
  }
}
