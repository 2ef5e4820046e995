// 200 tiny runs over 4 worker processes on a real redis-server: every run done exactly once; and
// jobs that are not sweep runs (foreign or tampered data) fail at once without touching the store.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli, tempDir } from '../../__tests__/helpers.js';
import type { CliRun } from '../../__tests__/helpers.js';
import { startRedis } from '../../__tests__/redis.js';
import type { RedisServer } from '../../__tests__/redis.js';
import { defaultRecipe } from '../../engine/recipe.js';
import { RUN_DATA_SCHEMA, runJobId } from '../../sweep/jobs.js';

const RUNS = 200;
const WORKERS = 4;

function worker(queue: string, store: string, name: string): Promise<CliRun> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build first (npx tsc -b packages/cli)`);
  const args = ['worker', '--queue', queue, '--store', store, '--name', name, '--backend', 'wasm'];
  args.push('--concurrency', '1', '--until-idle');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe(`${RUNS} tiny runs over ${WORKERS} workers`, () => {
  let redis: RedisServer;
  let store: string;
  let runs: Queue;
  let logs: CliRun[];
  let sweepId: string;
  const tampered = {
    // Valid settings under an id that is not their hash (a store folder of another run).
    wrongId: `run-${'0'.repeat(32)}`,
    // An id that would leave the store if it were used as a path.
    pathId: 'run-../../escape',
  };

  beforeAll(async () => {
    redis = await startRedis();
    const queue = redis.url(0);
    store = await tempDir('store');
    const tiny = ['--epochs', '1', '--limit-train', '8', '--limit-test', '8', '--batch-size', '8'];
    const submitted = await runCli([
      'sweep',
      'submit',
      '--queue',
      queue,
      '--variants',
      'none',
      '--seeds',
      String(RUNS),
      ...tiny,
    ]);
    expect(submitted.code, submitted.stderr).toBe(0);
    sweepId = submitted.stdout.trim();
    runs = new Queue('runs', {
      connection: { host: '127.0.0.1', port: redis.port },
      prefix: 'sevar',
    });
    const spec = { recipe: defaultRecipe('cnn3', 'embedded'), attention: 'se', seed: 1 };
    const opts = { attempts: 3, backoff: { type: 'fixed', delay: 10 } };
    await runs.add('run', { schema: RUN_DATA_SCHEMA, spec }, { ...opts, jobId: tampered.wrongId });
    await runs.add(
      'run',
      { schema: RUN_DATA_SCHEMA, spec, out: '/tmp' },
      { ...opts, jobId: tampered.pathId },
    );
    expect(runJobId(spec)).not.toBe(tampered.wrongId);
    logs = await Promise.all(
      Array.from({ length: WORKERS }, (_, i) => worker(queue, store, `w${i + 1}`)),
    );
  });
  afterAll(async () => {
    await runs?.close();
    await redis?.stop();
  });

  it('every run is done exactly once', async () => {
    for (const l of logs) expect(l.code, l.stderr).toBe(0);
    const done = logs.flatMap((l) =>
      [...l.stderr.matchAll(/: done \(job (run-[0-9a-f]{32})\)/g)].map((m) => m[1]!),
    );
    expect(done).toHaveLength(RUNS);
    expect(new Set(done).size).toBe(RUNS);
    const ids = (await readdir(join(store, 'runs'))).sort();
    expect(ids).toEqual([...done].sort());
    for (const id of ids) {
      const attempts = (await readFile(join(store, 'runs', id, 'attempts.jsonl'), 'utf8'))
        .trim()
        .split('\n');
      expect(attempts, id).toHaveLength(1);
    }
    const counts = await runs.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed');
    expect(counts).toEqual({ completed: RUNS, failed: 2, waiting: 0, active: 0, delayed: 0 });
    const sweeps = new Queue('sweeps', {
      connection: { host: '127.0.0.1', port: redis.port },
      prefix: 'sevar',
    });
    const parent = (await sweeps.getJob(sweepId)) as Job;
    expect(await parent.getState()).toBe('completed');
    expect(parent.returnvalue).toEqual({ completed: RUNS, failed: 0 });
    await sweeps.close();
  });

  it('jobs whose data is not a sweep run fail at once, with the reason, and write nothing', async () => {
    for (const id of [tampered.wrongId, tampered.pathId]) {
      const job = (await runs.getJob(id)) as Job;
      expect(await job.getState()).toBe('failed');
      expect(job.attemptsMade).toBe(1); // no retry: the data will not get better
      expect(job.failedReason).toMatch(/expected the data of a sweep run .*, received /);
    }
    expect(((await runs.getJob(tampered.wrongId)) as Job).failedReason).toMatch(
      /hash is not the job id/,
    );
    expect(((await runs.getJob(tampered.pathId)) as Job).failedReason).toMatch(
      /not of the form run-<32 hex digits>/,
    );
    expect(existsSync(join(store, 'runs', tampered.wrongId))).toBe(false);
    expect(existsSync(join(store, 'escape'))).toBe(false);
    expect((await readdir(store)).sort()).toEqual(['runs']);
  });
});
