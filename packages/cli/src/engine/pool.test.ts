import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { bufferOutput, Interrupt } from '../context.js';
import type { Context } from '../context.js';
import { InterruptedError } from '../errors.js';
import { defaultRecipe } from './recipe.js';
import { poolOutcome, runPool } from './pool.js';
import type { FromWorker, PoolJob, PoolWorker, ToWorker } from './pool.js';
import type { RunResult } from './run-files.js';

const recipe = defaultRecipe('cnn3', 'embedded');
const jobs: PoolJob[] = (['none', 'se', 'bump', 'slow-excite'] as const).map((attention, k) => ({
  spec: { recipe, attention, seed: 1 },
  dir: `/runs/${attention}-seed1`,
  label: `[${k + 1}/4] ${attention}-seed1`,
}));

function resultOf(job: PoolJob): RunResult {
  const m = { loss: 1, top1: 0.5, top5: 1, examples: 1 };
  return {
    attention: job.spec.attention,
    seed: job.spec.seed,
    trainableParams: 1,
    macsPerImage: 1,
    history: [],
    test: m,
    trainImagesPerSecond: 1,
    evalImagesPerSecond: 1,
    backend: 'fake',
    finishedAt: '',
  };
}

/**
 * A worker that finishes each run it is sent on the next tick, after `beforeResult` (where a
 * test presses Ctrl-C, as a user would while two runs end their last epoch).
 */
class FakeWorker extends EventEmitter implements PoolWorker {
  readonly received: ToWorker[] = [];
  constructor(private readonly beforeResult: (id: number) => void) {
    super();
  }
  postMessage(m: ToWorker): void {
    this.received.push(m);
    if (m.type !== 'run') return;
    setImmediate(() => {
      this.beforeResult(m.id);
      this.emit('message', {
        type: 'result',
        id: m.id,
        result: resultOf(jobs[m.id]!),
      } satisfies FromWorker);
    });
  }
  async terminate(): Promise<number> {
    return 0;
  }
}

function context(): Context {
  return {
    stdout: bufferOutput(),
    stderr: bufferOutput(),
    interrupt: new Interrupt(),
    progress: false,
  };
}

describe('worker pool', () => {
  it('returns the results in job order when every run finishes', async () => {
    const workers: FakeWorker[] = [];
    const results = await runPool(
      jobs,
      2,
      { backend: 'cpu', dataset: 'embedded' },
      context(),
      () => {
        const w = new FakeWorker(() => {});
        workers.push(w);
        return w;
      },
    );
    expect(results.map((r) => r.attention)).toEqual(['none', 'se', 'bump', 'slow-excite']);
    expect(
      workers.flatMap((w) => w.received.map((m) => (m.type === 'run' ? m.id : -1))).sort(),
    ).toEqual([0, 1, 2, 3]);
  });

  it('one Ctrl-C while both workers end their last epoch: an interrupt naming the first run not started', async () => {
    const ctx = context();
    const error = await runPool(
      jobs,
      2,
      { backend: 'cpu', dataset: 'embedded' },
      ctx,
      () =>
        new FakeWorker((id) => {
          if (id === 0) ctx.interrupt.press(); // the first press: both runs 0 and 1 still finish
        }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InterruptedError);
    expect((error as InterruptedError).exitCode).toBe(130);
    expect((error as Error).message).toBe(
      'interrupted before [3/4] bump-seed1 started; run the same command again to go on',
    );
  });

  it('removes its Ctrl-C listener when it ends, whether the runs finished or not', async () => {
    const ctx = context();
    const workers: FakeWorker[] = [];
    const spawn = () => {
      const w = new FakeWorker(() => {});
      workers.push(w);
      return w;
    };
    const init = { backend: 'cpu', dataset: 'embedded' } as const;
    for (let i = 0; i < 3; i++) {
      await runPool(jobs, 2, init, ctx, spawn);
      expect(ctx.interrupt.listenerCount).toBe(0);
    }
    // A worker failing to start (a throwing spawn) ends the pool too.
    const failing = () => {
      throw new Error('no worker');
    };
    await expect(runPool(jobs, 2, init, ctx, failing)).rejects.toThrow('no worker');
    expect(ctx.interrupt.listenerCount).toBe(0);
    // A later press reaches no worker of the finished pools.
    ctx.interrupt.press();
    expect(workers.flatMap((w) => w.received).some((m) => m.type === 'interrupt')).toBe(false);
  });

  it('poolOutcome sees the holes that array methods skip', () => {
    const sparse: (RunResult | undefined)[] = new Array(3);
    sparse[0] = resultOf(jobs[0]!);
    sparse[2] = resultOf(jobs[2]!);
    expect(sparse.some((r) => r === undefined)).toBe(false); // why an index loop is needed
    expect(() => poolOutcome(jobs.slice(0, 3), sparse, [])).toThrow(
      'interrupted before [2/4] se-seed1 started',
    );
    const errors = [
      { name: 'InterruptedError', message: 'a stopped', exitCode: 130 },
      { name: 'CliError', message: 'b failed', exitCode: 1 },
    ];
    expect(() => poolOutcome(jobs, sparse, errors)).toThrow('b failed');
  });
});
