// `pnpm stress:wasm-threads`: starts tfjs-backend-wasm's threaded build in many processes at
// once and reports any that stall, with where their main thread was. The threaded build (now
// `useBackend('wasm')`'s default in Node) once stalled a process twice in some thousands of test
// starts on a loaded machine (no error, no progress); this script is for finding out why, should
// it happen again.
//
// Each run is a child process that starts wasm with --threads XNNPACK threads, optionally opens
// a data-parallel step over --workers worker threads (as `sevar bench --workers 2` does), and
// trains cnn3 for a few steps. A child still running after --timeout seconds gets SIGUSR2,
// which makes Node write a diagnostic report (JS stack, native stack, libuv handles, worker
// threads); its summary is printed, then the child is killed.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    child: { type: 'boolean', default: false },
    runs: { type: 'string', default: '40' },
    parallel: { type: 'string', default: '4' },
    threads: { type: 'string', default: '2' },
    workers: { type: 'string', default: '2' },
    steps: { type: 'string', default: '3' },
    timeout: { type: 'string', default: '120' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

const USAGE = `pnpm stress:wasm-threads [options]
  --runs <n>       child processes in all (default 40)
  --parallel <n>   at once (default 4)
  --threads <n>    XNNPACK threads of each child's wasm backend (default 2)
  --workers <n>    data-parallel worker threads in each child, 1 for none (default 2)
  --steps <n>      cnn3 training steps per child (default 3)
  --timeout <s>    a child running longer is reported as stalled (default 120)`;

async function child(): Promise<void> {
  const tf = await import('@tensorflow/tfjs-core');
  const { useBackend, createOptimizer, createDataParallelStep, sparseSoftmaxCrossEntropy } =
    await import('@sevar/trainer');
  const { cnn3 } = await import('@sevar/models');
  const say = (what: string) =>
    process.stderr.write(`${Math.round(performance.now())} ms ${what}\n`);
  say('start');
  const info = await useBackend('wasm', { wasmThreads: Number(args.threads), onWarning: say });
  say(`wasm up, ${info.threadCount} thread(s)`);
  const model = cnn3({ attention: 'se', numClasses: 10 });
  const optimizer = createOptimizer({ name: 'sgd', lr: 0.01, momentum: 0.9 });
  const xs = tf.randomNormal([16, 32, 32, 3]);
  const ys = tf.tensor1d(
    Array.from({ length: 16 }, (_, i) => i % 10),
    'int32',
  );
  const workers = Number(args.workers);
  const parallel =
    workers > 1
      ? await createDataParallelStep({
          model,
          workers,
          backend: 'wasm',
          imports: [import.meta.resolve('@sevar/models')],
        })
      : null;
  say(parallel ? `${workers} workers up` : 'no workers');
  for (let i = 0; i < Number(args.steps); i++) {
    if (parallel) await parallel.step(xs, ys, optimizer);
    else {
      const loss = optimizer.minimize(
        () => sparseSoftmaxCrossEntropy(model.apply(xs, { training: true }) as never, ys),
        true,
      );
      await loss!.data();
      loss!.dispose();
    }
    say(`step ${i + 1}`);
  }
  await parallel?.close();
  say('done');
}

interface Report {
  javascriptStack?: { message?: string; stack?: string[] };
  nativeStack?: { symbol?: string }[];
  libuv?: { type: string; is_active?: boolean; is_referenced?: boolean }[];
  workers?: unknown[];
}

/** The lines worth reading of a Node diagnostic report. */
function summarise(file: string): string {
  const r = JSON.parse(readFileSync(file, 'utf8')) as Report;
  const js = r.javascriptStack?.stack?.slice(0, 12) ?? [];
  const native = (r.nativeStack ?? []).slice(0, 12).map((f) => f.symbol ?? '?');
  const handles = (r.libuv ?? [])
    .filter((h) => h.is_active)
    .map((h) => `${h.type}${h.is_referenced ? '' : ' (unref)'}`);
  return [
    `  JS stack (${r.javascriptStack?.message ?? ''}):`,
    ...js.map((l) => `    ${l.trim()}`),
    '  native stack:',
    ...native.map((l) => `    ${l}`),
    `  active libuv handles: ${handles.join(', ') || 'none'}`,
    `  worker threads: ${r.workers?.length ?? 0}`,
  ].join('\n');
}

type Outcome = { kind: 'ok' | 'stalled' | 'failed'; seconds: number; detail: string };

function runOne(index: number, reports: string): Promise<Outcome> {
  const dir = join(reports, String(index));
  mkdirSync(dir);
  const started = performance.now();
  return new Promise((resolve) => {
    const forwarded = ['threads', 'workers', 'steps'].flatMap((k) => [
      `--${k}`,
      String(args[k as 'threads']),
    ]);
    const c = spawn(
      process.execPath,
      [
        '--report-on-signal',
        '--report-signal=SIGUSR2',
        `--report-directory=${dir}`,
        fileURLToPath(import.meta.url),
        '--child',
        ...forwarded,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const seconds = () => (performance.now() - started) / 1000;
    let timedOut = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        c.kill('SIGUSR2');
        setTimeout(() => {
          c.kill('SIGKILL');
          let report = '  (no report written)';
          try {
            const file = readdirSync(dir).find((f) => f.endsWith('.json'));
            if (file !== undefined) report = summarise(join(dir, file));
          } catch {
            // No report folder: the child never got as far as Node's signal handling.
          }
          const last = stderr.trim().split('\n').slice(-3).join(' | ');
          resolve({
            kind: 'stalled',
            seconds: seconds(),
            detail: `last output: ${last}\n${report}`,
          });
        }, 3_000);
      },
      Number(args.timeout) * 1000,
    );
    c.on('close', (code, signal) => {
      // Past the timeout the report path above resolves, whether or not the child ended since.
      if (timedOut) return;
      clearTimeout(timer);
      const ok = code === 0;
      resolve({
        kind: ok ? 'ok' : 'failed',
        seconds: seconds(),
        detail: ok
          ? ''
          : `exit ${code ?? signal}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
      });
    });
  });
}

async function parent(): Promise<void> {
  const runs = Number(args.runs);
  const reports = mkdtempSync(join(tmpdir(), 'sevar-stress-'));
  const outcomes: Outcome[] = [];
  let next = 0;
  const lane = async () => {
    while (next < runs) {
      const i = next++;
      const o = await runOne(i, reports);
      outcomes.push(o);
      const counts = (k: Outcome['kind']) => outcomes.filter((x) => x.kind === k).length;
      console.log(
        `[${outcomes.length}/${runs}] run ${i + 1}: ${o.kind} in ${o.seconds.toFixed(1)} s ` +
          `(ok ${counts('ok')}, stalled ${counts('stalled')}, failed ${counts('failed')})`,
      );
      if (o.kind !== 'ok') console.log(o.detail);
    }
  };
  await Promise.all(Array.from({ length: Number(args.parallel) }, lane));
  const ok = outcomes
    .filter((o) => o.kind === 'ok')
    .map((o) => o.seconds)
    .sort((a, b) => a - b);
  const median = ok.length > 0 ? ok[Math.floor(ok.length / 2)]!.toFixed(1) : '-';
  console.log(
    `\n${runs} runs, ${args.parallel} at a time, ${args.threads} wasm threads, ${args.workers} ` +
      `workers: ${ok.length} ok (median ${median} s), ` +
      `${outcomes.filter((o) => o.kind === 'stalled').length} stalled, ` +
      `${outcomes.filter((o) => o.kind === 'failed').length} failed`,
  );
  if (ok.length < runs) process.exitCode = 1;
}

if (args.help) console.log(USAGE);
else if (args.child) await child();
else await parent();
