import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useBackend } from './backend.js';
import { BackendInitError, BackendNotInstalledError, InvalidOptionError } from './errors.js';

describe('useBackend', () => {
  it("'tensorflow' without @tensorflow/tfjs-node installed says how to install it", async () => {
    const error = await useBackend('tensorflow').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendNotInstalledError);
    expect((error as Error).message).toContain('npm install @tensorflow/tfjs-node');
    await expect(useBackend('tensorflow-gpu')).rejects.toThrow(
      'npm install @tensorflow/tfjs-node-gpu',
    );
  });

  it("'cpu' sets the cpu backend", async () => {
    const info = await useBackend('cpu');
    expect(info).toEqual({ name: 'cpu', tfName: 'cpu', version: '4.22.0', trainingKernels: true });
    const stockFilterGrad = tf.getKernel('Conv2DBackpropFilter', 'cpu')!.kernelFunc;
    const stock = await useBackend('cpu', { fastCpuKernels: false });
    expect(stock).toEqual({
      name: 'cpu',
      tfName: 'cpu',
      version: '4.22.0',
      trainingKernels: false,
    });
    expect(tf.getKernel('Conv2DBackpropFilter', 'cpu')!.kernelFunc).not.toBe(stockFilterGrad);
    expect(tf.getBackend()).toBe('cpu');
  });

  it("'wasm' sets wasm with SIMD, a thread per core by default, and the training kernels", async () => {
    await expect(useBackend('wasm', { wasmThreads: 0 })).rejects.toThrow(InvalidOptionError);
    const info = await useBackend('wasm');
    expect(tf.getBackend()).toBe('wasm');
    // Every core of the machine (tfjs's pool has at most 8), unless SEVAR_WASM_THREADS says.
    const asked = process.env['SEVAR_WASM_THREADS'];
    const cores = Math.min(8, asked ? Number(asked) : availableParallelism());
    expect(info).toMatchObject({
      name: 'wasm',
      tfName: 'wasm',
      version: '4.22.0',
      threads: cores > 1,
      threadCount: cores,
      trainingKernels: true,
    });
    expect(info.simd).toBe(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    // The filter gradient wasm lacks out of the box is now registered.
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it("'auto' skips the missing tfjs-node packages and takes wasm with its training kernels", async () => {
    const warnings: string[] = [];
    const info = await useBackend('auto', { onWarning: (m) => warnings.push(m) });
    expect(info.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(warnings).toEqual([]);
  });

  it('a package that registers its backend on another tfjs-core copy is reported, not silently ignored', async () => {
    const before = tf.getBackend();
    const error = await useBackend('tensorflow', {
      importModule: async () => ({ version: { 'tfjs-node': '4.0.0' } }),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendInitError);
    expect((error as Error).message).toMatch(
      /registered no 'tensorflow' backend with this @tensorflow\/tfjs-core/,
    );
    expect(tf.getBackend()).toBe(before);
  });

  it("'auto' takes tensorflow when a (fake) tfjs-node registers it", async () => {
    const importModule = async (specifier: string): Promise<Record<string, unknown>> => {
      if (specifier === '@tensorflow/tfjs-node') {
        const cpu = await import('@tensorflow/tfjs-backend-cpu');
        tf.registerBackend('tensorflow', () => new cpu.MathBackendCPU());
        for (const k of tf.getKernelsForBackend('cpu'))
          tf.registerKernel({ ...k, backendName: 'tensorflow' });
        return { version: { 'tfjs-node': '4.22.0' } };
      }
      const error = Object.assign(new Error(`Cannot find package '${specifier}'`), {
        code: 'ERR_MODULE_NOT_FOUND',
      });
      throw error;
    };
    const info = await useBackend('auto', { importModule });
    expect(info).toEqual({ name: 'tensorflow', tfName: 'tensorflow', version: '4.22.0' });
    expect(tf.getBackend()).toBe('tensorflow');
    await tf.setBackend('cpu');
    tf.removeBackend('tensorflow');
    for (const k of tf.getKernelsForBackend('tensorflow'))
      tf.unregisterKernel(k.kernelName, 'tensorflow');
  });

  it('accepts a backend the app registered itself when the import cannot be followed', async () => {
    const importModule = async (specifier: string): Promise<Record<string, unknown>> => {
      throw Object.assign(new Error(`Could not resolve "${specifier}"`), { code: 'X' });
    };
    await import('@tensorflow/tfjs-backend-cpu');
    const info = await useBackend('cpu', { importModule, fastCpuKernels: false });
    expect(info).toEqual({
      name: 'cpu',
      tfName: 'cpu',
      version: tf.version_core,
      trainingKernels: false,
    });
    await expect(useBackend('tensorflow', { importModule })).rejects.toThrow(
      BackendNotInstalledError,
    );
  });

  it('a backend that fails to initialise is named, and the one active before stays active', async () => {
    await useBackend('cpu');
    // What tfjs-backend-webgl registers in a browser without WebGL: a factory that throws.
    tf.registerBackend('webgl', () => {
      throw new Error('WebGL is not supported on this device');
    });
    const add = tf.getKernel('Add', 'cpu')!;
    tf.registerKernel({ ...add, backendName: 'webgl' });
    try {
      const error = await useBackend('webgl', {
        importModule: async () => ({ version_webgl: '4.22.0' }),
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackendInitError);
      expect((error as Error).message).toBe(
        "backend 'webgl': initialisation failed: tf.setBackend('webgl') returned false (tfjs " +
          "printed the reason as a warning); the active backend is still 'cpu'",
      );
      expect(tf.getBackend()).toBe('cpu');
    } finally {
      tf.removeBackend('webgl');
      tf.unregisterKernel('Add', 'webgl');
    }
  });

  it('rejects unknown names listing the valid ones', async () => {
    await expect(useBackend('webnn' as 'cpu')).rejects.toThrow(InvalidOptionError);
    await expect(useBackend('webnn' as 'cpu')).rejects.toThrow(
      "'auto', 'tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'webgl', 'cpu'",
    );
  });
});

describe('wasm threads from SEVAR_WASM_THREADS (a fresh process each: threads are set at init)', () => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const MAIN = [
    "import { useBackend } from './dist/index.js';",
    "const info = await useBackend('wasm', { onWarning: () => {} });",
    'console.log(JSON.stringify({ threads: info.threads, threadCount: info.threadCount }));',
  ].join('\n');
  const run = (value: string | undefined, script = MAIN) => {
    const env = { ...process.env, SEVAR_WASM_THREADS: value };
    if (value === undefined) delete env['SEVAR_WASM_THREADS'];
    return spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000,
      env,
    });
  };
  const reported = (r: ReturnType<typeof run>): unknown => {
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout.trim().split('\n').pop()!);
  };

  it('unset: a thread per core (at most 8); 1: the single-threaded build', () => {
    const cores = Math.min(8, availableParallelism());
    expect(reported(run(undefined))).toEqual({ threads: cores > 1, threadCount: cores });
    expect(reported(run('1'))).toEqual({ threads: false, threadCount: 1 });
  });

  it('a number starts the threaded build with that many threads', () => {
    expect(reported(run('2'))).toEqual({ threads: true, threadCount: 2 });
  });

  it("a worker thread keeps one thread (it shares the environment, not the main thread's pool)", () => {
    const inWorker = [
      "import { useBackend } from './dist/index.js';",
      "import { parentPort } from 'node:worker_threads';",
      "const info = await useBackend('wasm', { onWarning: () => {} });",
      'parentPort.postMessage(info.threadCount);',
    ].join(' ');
    const script = [
      "import { Worker } from 'node:worker_threads';",
      "import { pathToFileURL } from 'node:url';",
      "const dist = pathToFileURL('./dist/index.js').href;",
      `const code = ${JSON.stringify(inWorker)}.replace('./dist/index.js', dist);`,
      "const w = new Worker(new URL('data:text/javascript,' + encodeURIComponent(code)));",
      "w.once('error', (e) => { console.error(e); process.exit(1); });",
      "w.once('message', (n) => { console.log(JSON.stringify({ worker: n })); void w.terminate(); });",
    ].join('\n');
    expect(reported(run('2', script))).toEqual({ worker: 1 });
  });

  it('anything else is an InvalidOptionError naming the variable', () => {
    const r = run('many');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/SEVAR_WASM_THREADS \(environment\).*an integer >= 1.*many/s);
  });
});
