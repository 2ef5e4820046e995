#!/usr/bin/env node
import * as tf from '@tensorflow/tfjs-core';
import { defaultContext } from './context.js';
import { main } from './main.js';

// PROD silences tfjs's "install tfjs-node" banner on the cpu backend (the CLI names backends itself).
tf.env().set('PROD', true);
const ctx = defaultContext();
process.on('SIGINT', () => {
  if (!ctx.interrupt.training || ctx.interrupt.presses >= 2) process.exit(130);
  ctx.interrupt.press();
  process.stderr.write(
    ctx.interrupt.presses === 1
      ? '\nCtrl-C: stopping after this epoch, once its checkpoint is written (Ctrl-C again: stop after this step)\n'
      : '\nCtrl-C: stopping after this step; the last epoch checkpoint is kept\n',
  );
});
process.exitCode = await main(process.argv.slice(2), ctx);
// Nothing of sevar's runs after main: a handle a dependency leaves open (a backend's thread
// pool, a socket) must not keep the finished command alive. Unref'd: a clean exit is not delayed.
setTimeout(() => process.exit(), 5_000).unref();
