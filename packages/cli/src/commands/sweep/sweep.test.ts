// Sweeps over a real redis-server on loopback, with each `sevar worker` a separate process
// group (a "machine"): a worker killed mid-run, Redis killed and restarted mid-sweep, a resubmit,
// and the report `sevar sweep collect` writes. Small runs on the embedded data, wasm backend.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, expectOneLineError, readJson, runCli, tempDir } from '../../__tests__/helpers.js';
import type { CliRun } from '../../__tests__/helpers.js';
import { startRedis, unusedPort } from '../../__tests__/redis.js';
import type { RedisServer } from '../../__tests__/redis.js';
import { setBackend } from '../../backend.js';
import { bufferOutput, Interrupt } from '../../context.js';
import { loadSplit } from '../../data.js';
import { latestCheckpointEpoch, readRunSpec } from '../../engine/run-files.js';
import type { RunResult } from '../../engine/run-files.js';
import { runOne } from '../../engine/run.js';
import type { CompareResults } from '../compare/index.js';

const RUN_FLAGS = [
  '--epochs',
  '3',
  '--limit-train',
  '64',
  '--limit-test',
  '32',
  '--batch-size',
  '16',
];

interface WorkerProcess {
  pid: number;
  output: () => string;
  done: Promise<CliRun>;
  /** SIGKILL to the worker and its child processes: the machine goes away. */
  kill: () => void;
}

/** `sevar worker` (the built binary) in its own process group. */
function startWorker(
  queue: string,
  store: string,
  name: string,
  extra: string[] = [],
): WorkerProcess {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build first (npx tsc -b packages/cli)`);
  const args = ['worker', '--queue', queue, '--store', store, '--name', name, '--backend', 'wasm'];
  const child = spawn(
    process.execPath,
    [BIN, ...args, '--concurrency', '1', '--until-idle', ...extra],
    {
      detached: true,
      env: { ...process.env, SEVAR_DEBUG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    pid: child.pid!,
    output: () => stdout + stderr,
    done,
    kill: () => process.kill(-child.pid!, 'SIGKILL'),
  };
}

async function until<T>(what: string, probe: () => Promise<T | null>, seconds = 120): Promise<T> {
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    const value = await probe();
    if (value !== null) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function attempts(
  store: string,
  id: string,
): Promise<{ worker: string; resumedFromEpoch: number | null }[]> {
  const text = await readFile(join(store, 'runs', id, 'attempts.jsonl'), 'utf8').catch(() => '');
  return text.trim() === ''
    ? []
    : text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
}

/** Every file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Every key and value in the Redis database, as text. */
async function redisContents(server: RedisServer): Promise<string> {
  const c = server.client();
  const parts: string[] = [];
  for (const db of [0, 1]) {
    await c.select(db);
    for (const key of await c.keys('*')) {
      const type = await c.type(key);
      const value =
        type === 'string'
          ? await c.get(key)
          : type === 'hash'
            ? await c.hgetall(key)
            : type === 'list'
              ? await c.lrange(key, 0, -1)
              : type === 'set'
                ? await c.smembers(key)
                : type === 'zset'
                  ? await c.zrange(key, 0, -1, 'WITHSCORES')
                  : type === 'stream'
                    ? await c.xrange(key, '-', '+')
                    : null;
      parts.push(key, JSON.stringify(value));
    }
  }
  return parts.join('\n');
}

/** The metrics of a run without its timings (which differ between machines and attempts). */
function metrics(r: RunResult) {
  return {
    test: r.test,
    history: r.history.map((h) => ({ epoch: h.epoch, train: h.train, test: h.test, lr: h.lr })),
  };
}

describe('queue errors', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis({ password: 'right-horse-battery' });
  });
  afterAll(() => redis?.stop());

  it('a wrong password: one error line, exit 1, the password nowhere', async () => {
    const queue = redis.url(0, 'wrong-staple-9f2c');
    for (const args of [
      ['sweep', 'status', '--queue', queue],
      ['sweep', 'submit', '--queue', queue, '--variants', 'none', '--epochs', '1'],
      ['worker', '--queue', queue, '--store', await tempDir('store')],
    ]) {
      const r = await runCli(args);
      expect(r.code, r.stderr).toBe(1);
      expect(expectOneLineError(r.stderr)).toBe(
        `error: cannot use the queue at redis://:***@127.0.0.1:${redis.port}/0: the server refused ` +
          'the user name or password. Check the password in --queue or $SEVAR_QUEUE.',
      );
      expect(r.stdout + r.stderr).not.toContain('wrong-staple');
    }
    const none = await runCli(['sweep', 'status', '--queue', redis.url(0, '')]);
    expect(expectOneLineError(none.stderr)).toMatch(/: the server needs a password\. Give it as/);
  });

  it('an unreachable queue: one error line, exit 1', async () => {
    const port = await unusedPort();
    const r = await runCli([
      'worker',
      '--queue',
      `redis://:pw@127.0.0.1:${port}`,
      '--store',
      await tempDir('store'),
    ]);
    expect(r.code).toBe(1);
    expect(expectOneLineError(r.stderr)).toBe(
      `error: cannot use the queue at redis://:***@127.0.0.1:${port}/0: connection refused. ` +
        'Is redis-server running there, on that port?',
    );
  });
});

describe('cnn3 x {none, se, eca} x 2 seeds over two workers, one killed mid-run, Redis killed and restarted', () => {
  const password = `pw-${randomBytes(8).toString('hex')}`;
  let redis: RedisServer;
  let queue: string;
  let store: string;
  let submitted: CliRun;
  let killedId: string;
  let survivor: CliRun;
  let killed: WorkerProcess;
  const outputs: string[] = [];

  beforeAll(async () => {
    redis = await startRedis({ password, appendonly: true });
    queue = redis.url(1);
    store = await tempDir('store');
    submitted = await runCli([
      'sweep',
      'submit',
      '--queue',
      queue,
      '--variants',
      'se,eca',
      '--seeds',
      '2',
      ...RUN_FLAGS,
    ]);
    expect(submitted.code, submitted.stderr).toBe(0);
    killed = startWorker(queue, store, 'A', ['--lock-seconds', '2']);
    const other = startWorker(queue, store, 'B', ['--lock-seconds', '2']);
    // A run of A with its first epoch's checkpoint written and its training going on.
    killedId = await until('a checkpoint of worker A', async () => {
      const runs = await readdir(join(store, 'runs')).catch(() => [] as string[]);
      for (const id of runs) {
        const by = await attempts(store, id);
        const epoch = await latestCheckpointEpoch(join(store, 'runs', id, 'checkpoints'));
        if (
          by[0]?.worker === 'A' &&
          epoch !== null &&
          epoch >= 1 &&
          !existsSync(join(store, 'runs', id, 'result.json'))
        )
          return id;
      }
      return null;
    });
    killed.kill();
    await killed.done;
    await redis.restart();
    survivor = await other.done;
    outputs.push(
      submitted.stdout,
      submitted.stderr,
      killed.output(),
      survivor.stdout,
      survivor.stderr,
    );
  });
  afterAll(() => redis?.stop());

  it('the surviving worker finishes every run, the killed one resumed from its checkpoint', async () => {
    expect(survivor.code, survivor.stderr).toBe(0);
    expect(survivor.stderr).toMatch(/its worker stopped answering; back in the queue/);
    const status = await runCli(['sweep', 'status', '--queue', queue]);
    outputs.push(status.stdout, status.stderr);
    expect(status.stdout).toMatch(/6 runs: 0 waiting, 0 active, 6 completed, 0 failed/);
    const tries = await attempts(store, killedId);
    expect(tries.map((t) => t.worker)).toEqual(['A', 'B']);
    expect(tries[1]!.resumedFromEpoch).toBeGreaterThanOrEqual(1);
    expect(tries[1]!.resumedFromEpoch).toBeLessThan(3);
    expect(survivor.stderr).toMatch(/resuming from epoch \d/);
  });

  it('nothing was lost or trained twice: one training attempt per run besides the killed one', async () => {
    const ids = (await readdir(join(store, 'runs'))).sort();
    expect(ids).toHaveLength(6);
    for (const id of ids) {
      expect((await attempts(store, id)).length, id).toBe(id === killedId ? 2 : 1);
      expect(existsSync(join(store, 'runs', id, 'result.json'))).toBe(true);
    }
  });

  it('the resumed run ends bit for bit where an uninterrupted run ends', async () => {
    const spec = (await readRunSpec(join(store, 'runs', killedId)))!;
    const ctx = {
      stdout: bufferOutput(),
      stderr: bufferOutput(),
      interrupt: new Interrupt(),
      progress: false,
    };
    await setBackend('wasm', ctx);
    const [train, test] = await Promise.all([
      loadSplit('embedded', 'train', { limit: 64 }),
      loadSplit('embedded', 'test', { limit: 32 }),
    ]);
    const dir = join(await tempDir('reference'), 'run');
    const reference = await runOne(spec, {
      dir,
      train,
      test,
      ctx,
      label: 'reference',
      backend: 'wasm',
      saveModel: false,
    });
    const resumed = await readJson<RunResult>(join(store, 'runs', killedId, 'result.json'));
    expect(metrics(resumed)).toEqual(metrics(reference));
  });

  it('collect writes the results folder compare writes, with every run', async () => {
    const out = join(await tempDir('collect'), 'results');
    const r = await runCli(['sweep', 'collect', '--queue', queue, '--out', out, '--store', store]);
    outputs.push(r.stdout, r.stderr);
    expect(r.code, r.stderr).toBe(0);
    const results = await readJson<CompareResults>(join(out, 'results.json'));
    expect(results.schema).toBe('sevar-compare-2');
    expect(results.runs.map((x) => `${x.attention}-${x.seed}`)).toEqual([
      'none-1',
      'se-1',
      'eca-1',
      'none-2',
      'se-2',
      'eca-2',
    ]);
    expect(results.summary.map((s) => [s.attention, s.top1.n])).toEqual([
      ['none', 2],
      ['se', 2],
      ['eca', 2],
    ]);
    expect(results.recipe).toMatchObject({
      model: 'cnn3',
      dataset: 'embedded',
      epochs: 3,
      limitTrain: 64,
    });
    for (const f of [
      'results.md',
      'report.html',
      'plots/learning-curves.svg',
      'runs/se-seed2/result.json',
      'runs/none-seed1/model/model.json',
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    expect(r.stdout).toMatch(/^se\s+\d\.\d{4} ± /m);
    for (const f of await filesUnder(out)) outputs.push(await readFile(f, 'latin1'));
  });

  it('submitting the finished sweep again enqueues nothing', async () => {
    const queues = new Queue('runs', {
      connection: { host: '127.0.0.1', port: redis.port, password, db: 1 },
      prefix: 'sevar',
    });
    const before = await queues.getJobCounts();
    const again = await runCli([
      'sweep',
      'submit',
      '--queue',
      queue,
      '--variants',
      'se,eca',
      '--seeds',
      '2',
      ...RUN_FLAGS,
    ]);
    outputs.push(again.stdout, again.stderr);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(submitted.stdout);
    expect(again.stderr).toMatch(/was submitted before; nothing enqueued \(6 runs\)/);
    expect(await queues.getJobCounts()).toEqual(before);
    expect(before['completed']).toBe(6);
    await queues.close();
  });

  it('the password appears in no log, job, result or file', async () => {
    for (const f of await filesUnder(store)) outputs.push(await readFile(f, 'latin1'));
    outputs.push(await redisContents(redis));
    expect(outputs.join('\n').includes(password)).toBe(false);
    expect(outputs.join('\n')).toContain(`redis://:***@127.0.0.1:${redis.port}/1`);
  });
});
