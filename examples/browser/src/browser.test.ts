// Builds the page with Vite, serves the build on localhost and trains in a real headless
// Chromium (driven by playwright-core; see chromium.ts for which one) on the wasm, cpu, webgl and
// webgpu backends (WebGPU on SwiftShader, Chromium's software adapter).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { BrowserContext } from 'playwright-core';
import { build, preview } from 'vite';
import type { PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './chromium.js';
import type { LaunchedChromium } from './chromium.js';

const HERE = fileURLToPath(new URL('../', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

let server: PreviewServer;
let chromium: LaunchedChromium;
let browser: BrowserContext;
let url: string;

beforeAll(async () => {
  await build({ root: HERE, logLevel: 'error' });
  server = await preview({
    root: HERE,
    logLevel: 'error',
    preview: { host: '127.0.0.1', port: 0 },
  });
  url = server.resolvedUrls!.local[0]!;
  chromium = await launchChromium();
  browser = chromium.context;
});

afterAll(async () => {
  await chromium?.close();
  await server?.close();
});

it('page sources type-check (Vite only strips types)', async () => {
  const tsc = `${ROOT}node_modules/typescript/bin/tsc`;
  const r = await promisify(execFile)(process.execPath, [tsc, '-p', `${HERE}tsconfig.json`]).catch(
    (e: { stdout?: string; code?: number }) => e,
  );
  expect('code' in r ? r.code : 0, r.stdout).toBe(0);
});

describe.each([
  {
    backend: 'wasm',
    attention: 'slow-excite',
    steps: 4,
    describes: /^backend: wasm \(simd true, threads (true|false)\)/,
  },
  { backend: 'cpu', attention: 'bump', steps: 2, describes: /^backend: cpu;/ },
  // Software WebGL is slow (shader compilation dominates): one step shows it trains.
  { backend: 'webgl', attention: 'se', steps: 1, describes: /^backend: webgl;/ },
  // WebGPU on SwiftShader compiles each kernel's shader on first use (~15 s for a step): one step,
  // and 16 test images evaluated in one batch of the training batch's size.
  {
    backend: 'webgpu',
    attention: 'se',
    steps: 1,
    test: 16,
    describes: /^backend: webgpu \(.*swiftshader.*, software adapter\);/i,
  },
] as { backend: string; attention: string; steps: number; test?: number; describes: RegExp }[])(
  'the page on $backend',
  ({ backend, attention, steps, test, describes }) => {
    it(`trains cnn3 + ${attention} for ${steps} steps and reports a finite loss and accuracy`, async () => {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
      try {
        const query = `?backend=${backend}&attention=${attention}&steps=${steps}&batch=16`;
        await page.goto(url + query + (test === undefined ? '' : `&test=${test}`));
        await page.click('#train');
        const status = page.locator('#status');
        await page
          .locator('#status[data-state="done"], #status[data-state="error"]')
          .waitFor({ timeout: 100_000 });
        const state = await status.getAttribute('data-state');
        expect(state, `${await status.textContent()} / ${errors.join('; ')}`).toBe('done');
        expect(await status.getAttribute('data-backend')).toBe(backend);
        const loss = Number(await status.getAttribute('data-loss'));
        const accuracy = Number(await status.getAttribute('data-accuracy'));
        // Cross-entropy over 10 classes starts near ln 10 = 2.3; far off means broken logits.
        expect(loss).toBeGreaterThan(0.5);
        expect(loss).toBeLessThan(5);
        expect(accuracy).toBeGreaterThanOrEqual(0);
        expect(accuracy).toBeLessThanOrEqual(1);
        expect(await status.getAttribute('data-leaked')).toBe('0');
        const log = (await page.locator('#log').textContent()) ?? '';
        expect(log).toMatch(describes);
        expect(log).toContain(`step ${steps}/${steps}: loss`);
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    });
  },
);

it('reports an unknown attention name from the address with the valid names and does not train', async () => {
  const page = await browser.newPage();
  try {
    // `variant=` is the older spelling of the same setting.
    await page.goto(`${url}?backend=cpu&variant=squeeze&steps=1&batch=8`);
    const status = page.locator('#status');
    await page.locator('#status[data-state="error"]').waitFor({ timeout: 30_000 });
    expect(await status.textContent()).toMatch(/slow-squeeze-slow-excite.*received "squeeze"/);
    expect(await page.locator('#train').isDisabled()).toBe(true);
    expect(await page.locator('#log').textContent()).toBe('');
  } finally {
    await page.close();
  }
});

describe('the backend list', () => {
  it('names the WebGPU adapter and keeps webgl the default on a software one', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(url);
      const option = page.locator('#backend option[value="webgpu"][data-available]');
      await option.waitFor({ state: 'attached', timeout: 30_000 });
      expect(await option.getAttribute('data-available')).toBe('true');
      expect(await option.textContent()).toMatch(/^webgpu \(.*swiftshader.*, software adapter\)$/i);
      expect(await page.locator('#backend').inputValue()).toBe('webgl');
    } finally {
      await page.close();
    }
  });

  it('says why webgpu is unavailable in a browser without WebGPU and does not train on it', async () => {
    const page = await browser.newPage();
    try {
      await page.addInitScript(() => {
        Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined });
      });
      await page.goto(`${url}?backend=webgpu&steps=1&batch=8`);
      const option = page.locator('#backend option[value="webgpu"][data-available]');
      await option.waitFor({ state: 'attached', timeout: 30_000 });
      expect(await option.getAttribute('data-available')).toBe('false');
      expect(await option.textContent()).toBe(
        'webgpu (unavailable: this browser has no WebGPU (navigator.gpu is absent))',
      );
      await page.click('#train');
      await page.locator('#status[data-state="error"]').waitFor({ timeout: 30_000 });
      expect(await page.locator('#status').textContent()).toBe(
        "backend 'webgpu' is unavailable: this browser has no WebGPU (navigator.gpu is absent)",
      );
    } finally {
      await page.close();
    }
  });
});
