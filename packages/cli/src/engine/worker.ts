// A worker thread that trains runs for `compare --jobs N`: wasm and cpu execute on one thread,
// so N workers use N cores. Messages: see pool.ts.
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { describeBackend, setBackend } from '../backend.js';
import type { Context } from '../context.js';
import { Interrupt } from '../context.js';
import { loadSplit } from '../data.js';
import { CliError } from '../errors.js';
import { cliText } from '../library-flags.js';
import type { FromWorker, ToWorker, WorkerInit } from './pool.js';
import { runOne } from './run.js';

const init = workerData as WorkerInit;
const port = parentPort!;
const post = (m: FromWorker) => port.postMessage(m);
tf.env().set('PROD', true);

const interrupt = new Interrupt();
const ctx: Context = {
  stdout: { write: (text) => post({ type: 'out', text }) },
  stderr: { write: (text) => post({ type: 'err', text }) },
  interrupt,
  progress: false,
};

const ready = (async () => {
  // Registrations (registerAttention, ...) live per thread: load what the main thread loaded.
  for (const specifier of init.imports ?? []) await import(specifier);
  const info = await setBackend(init.backend, ctx);
  const load = (split: 'train' | 'test', limit: number | undefined) =>
    loadSplit(init.dataset, split, {
      limit,
      dataDir: init.dataDir,
      download: false,
      verify: init.verify,
    });
  const [train, test] = await Promise.all([
    load('train', init.limitTrain),
    load('test', init.limitTest),
  ]);
  return { backend: describeBackend(info), train, test };
})();
// Surface setup errors through the first run request rather than as an unhandled rejection.
ready.catch(() => {});

port.on('message', (m: ToWorker) => {
  if (m.type === 'interrupt') {
    while (interrupt.presses < m.presses) interrupt.press();
    return;
  }
  void (async () => {
    try {
      const { backend, train, test } = await ready;
      const result = await runOne(m.spec, {
        dir: m.dir,
        train,
        test,
        ctx,
        label: m.label,
        backend,
      });
      post({ type: 'result', id: m.id, result });
    } catch (error) {
      const e = error as Error;
      post({
        type: 'error',
        id: m.id,
        name: e?.name ?? 'Error',
        message: cliText(error),
        exitCode: error instanceof CliError ? error.exitCode : 1,
      });
    }
  })();
});
