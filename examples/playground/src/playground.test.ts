// Builds the playground with Vite, serves the build on localhost and drives it in a headless
// Chromium (Debian's, through playwright-core; see @sevar/example-browser/chromium): three
// modules train for a few steps on webgl (SwiftShader; `auto` passes over Chromium's software
// WebGPU adapter) and, with WebGL taken away, on wasm; one trains a step on webgpu (SwiftShader).
import { fileURLToPath } from 'node:url';
import { launchChromium } from '@sevar/example-browser/chromium';
import type { LaunchedChromium } from '@sevar/example-browser/chromium';
import type { Page } from 'playwright-core';
import { build, preview } from 'vite';
import type { PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const HERE = fileURLToPath(new URL('../', import.meta.url));
// Trainable parameters of cnn3 with 10 classes: 122,570 plain, 123,150 with SE (SPEC); the
// bump adds an FC m → m with m = 64 / 16 = 4: 4·4 + 4 = 20 more than SE.
// CBAM (r 16, k 7) adds its shared MLP 64 → 4 → 64 (580), a 7×7 conv 2 → 1 without bias (98)
// and BN γ, β (2): 680.
const PARAMS = { none: 122_570, se: 123_150, bump: 123_170, cbam: 123_250 };
// Software WebGL is slow (shader compilation dominates): two steps per module, one at a time.
const WEBGL = {
  modules: ['none', 'se', 'bump'],
  steps: 2,
  query: `?modules=none,se,bump&steps=2&every=1&batch=8&train=64&test=20&image=3&backend=auto`,
};
// WebGPU on SwiftShader compiles each kernel's shader on first use: one module, one step.
const WEBGPU = {
  modules: ['se'],
  steps: 1,
  query: `?modules=se&steps=1&every=1&batch=8&train=16&test=8&image=3&backend=webgpu`,
};
// wasm trains a little longer. With PLAYGROUND_SCREENSHOT=1 it trains long enough for the curves
// to leave chance (minutes) and writes the README's screenshot; otherwise the screenshot goes to
// .vitest/.
const LONG = process.env['PLAYGROUND_SCREENSHOT'] === '1';
const SCREENSHOT = fileURLToPath(
  new URL(LONG ? '../docs/playground.png' : '../.vitest/playground.png', import.meta.url),
);
const WASM = LONG
  ? {
      modules: ['none', 'se', 'cbam'],
      steps: 150,
      query:
        '?modules=none,se,cbam&steps=150&every=10&batch=32&train=5000&test=200&image=3&backend=webgl',
    }
  : {
      modules: ['none', 'se', 'cbam'],
      steps: 6,
      query:
        '?modules=none,se,cbam&steps=6&every=3&batch=16&train=256&test=50&image=3&backend=webgl',
    };
/** How long a run may take before the test gives up (software WebGL on a busy machine is slow). */
const RUN_TIMEOUT = LONG ? 1_500_000 : 250_000;

let server: PreviewServer;
let chromium: LaunchedChromium;
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
});

afterAll(async () => {
  await chromium?.close();
  await server?.close();
});

/** A new page that records console errors, page errors and failed requests. */
async function openPage(
  query: string,
  withoutWebgl = false,
): Promise<{ page: Page; errors: string[] }> {
  const page = await chromium.context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
  if (withoutWebgl) {
    // A browser without WebGL: every WebGL context request fails, as on a machine without it.
    await page.addInitScript(() => {
      for (const proto of [HTMLCanvasElement.prototype, OffscreenCanvas.prototype]) {
        const original = proto.getContext as (this: unknown, ...a: unknown[]) => unknown;
        Object.defineProperty(proto, 'getContext', {
          value(this: unknown, kind: string, ...rest: unknown[]) {
            return /webgl/.test(kind) ? null : original.call(this, kind, ...rest);
          },
        });
      }
    });
  }
  await page.goto(url + query);
  return { page, errors };
}

async function waitForEnd(page: Page, state: 'done' | 'stopped'): Promise<void> {
  await page
    .locator(`#status[data-state="${state}"], #status[data-state="error"]`)
    .waitFor({ timeout: RUN_TIMEOUT });
  const status = page.locator('#status');
  expect(await status.getAttribute('data-state'), (await status.textContent()) ?? '').toBe(state);
}

async function steps(page: Page, modules: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const m of modules) {
    const cell = page.locator(`#results tr[data-module="${m}"] td[data-column="steps"]`);
    out[m] = Number(await cell.getAttribute('data-value'));
  }
  return out;
}

/** The curves are drawn (one line per module and split, with points), and so is the table. */
async function expectResults(page: Page, modules: string[], steps: number): Promise<void> {
  for (const chart of ['#chart-loss', '#chart-top1']) {
    const lines = page.locator(`${chart} svg .mark-line path`);
    // test and train lines of each module
    expect(await lines.count()).toBe(2 * modules.length);
    for (const d of await lines.evaluateAll((ps) => ps.map((p) => p.getAttribute('d') ?? ''))) {
      expect(d.length).toBeGreaterThan(10);
    }
  }
  for (const m of modules) {
    const row = page.locator(`#results tr[data-module="${m}"]`);
    const value = async (column: string) =>
      Number(await row.locator(`td[data-column="${column}"]`).getAttribute('data-value'));
    expect(await value('params')).toBe(PARAMS[m as keyof typeof PARAMS]);
    expect(await value('steps')).toBe(steps);
    // Cross-entropy over 10 classes starts near ln 10 = 2.3; far off means broken logits.
    expect(await value('test-loss')).toBeGreaterThan(0.5);
    expect(await value('test-loss')).toBeLessThan(5);
    expect(await value('test-top1')).toBeGreaterThanOrEqual(0);
    expect(await value('test-top1')).toBeLessThanOrEqual(1);
    expect(await value('images-per-second')).toBeGreaterThan(0);
  }
}

/** Every gated module shows 64 channel gates in [0, 1] that moved since step 0. */
async function expectGates(page: Page, modules: string[], steps: number): Promise<void> {
  if (modules.includes('none')) {
    const none = page.locator('#gate-cards .gate-card[data-module="none"]');
    expect(await none.getAttribute('data-channels')).toBeNull();
  }
  for (const m of modules.filter((m) => m !== 'none')) {
    const card = page.locator(`#gate-cards .gate-card[data-module="${m}"]`);
    expect(await card.getAttribute('data-step')).toBe(String(steps));
    const values = ((await card.getAttribute('data-values')) ?? '').split(',').map(Number);
    expect(values).toHaveLength(64);
    for (const v of values) expect(v >= 0 && v <= 1, `${m} gate ${v}`).toBe(true);
    expect(await card.getAttribute('data-since-step')).toBe('0');
    expect(Number(await card.getAttribute('data-drift'))).toBeGreaterThan(0);
    expect(await card.locator('.chart.channel svg .mark-rect.role-mark path').count()).toBe(64);
    // CBAM's spatial map: one value per position of conv2's 13×13 output (32 → 30 → 15 → 13).
    const spatial = await card.getAttribute('data-spatial');
    expect(spatial).toBe(m === 'cbam' ? '13x13' : null);
    if (spatial !== null) {
      expect(Number(await card.getAttribute('data-spatial-min'))).toBeGreaterThanOrEqual(0);
      expect(Number(await card.getAttribute('data-spatial-max'))).toBeLessThanOrEqual(1);
      expect(await card.locator('.chart.spatial svg .mark-rect.role-mark path').count()).toBe(
        13 * 13,
      );
    }
  }
  expect(await page.locator('#input-image').getAttribute('aria-label')).toMatch(
    /^test image 3: a /,
  );
}

describe('the playground on webgl', () => {
  it('trains none, se and bump side by side, stops and resumes', async () => {
    const { page, errors } = await openPage(WEBGL.query);
    const STEPS = WEBGL.steps;
    try {
      // Keyboard only: the Train button is reachable and works with Enter.
      await page.focus('#start');
      await page.keyboard.press('Enter');
      await page.waitForFunction(
        () => {
          const cell = document.querySelector(
            '#results tr[data-module="none"] td[data-column="steps"]',
          );
          return Number(cell?.getAttribute('data-value')) >= 1;
        },
        null,
        { timeout: RUN_TIMEOUT },
      );
      await page.click('#stop');
      await waitForEnd(page, 'stopped');
      const stopped = await steps(page, WEBGL.modules);
      expect(
        Object.values(stopped).some((s) => s < STEPS),
        JSON.stringify(stopped),
      ).toBe(true);
      expect(await page.locator('#resume').isEnabled()).toBe(true);
      await page.click('#resume');
      await waitForEnd(page, 'done');
      expect(await steps(page, WEBGL.modules)).toEqual({ none: STEPS, se: STEPS, bump: STEPS });
      expect(await page.locator('#status').getAttribute('data-backend')).toBe('webgl');
      // `auto` passes over a software WebGPU adapter (slower than wasm), and says so.
      expect(await page.locator('#backend-line').textContent()).toMatch(
        /^Backend: webgl \(.*SwiftShader.*\) — webgpu not picked: .*swiftshader.*, software adapter, slower than wasm/i,
      );
      await expectResults(page, WEBGL.modules, STEPS);
      await expectGates(page, WEBGL.modules, STEPS);
      // The address holds every setting of the run (and the defaults of those not given).
      const address = new URL(page.url()).searchParams;
      for (const [key, value] of new URLSearchParams(WEBGL.query)) {
        expect(address.get(key), key).toBe(value);
      }
      expect(address.get('lr')).toBe('0.003');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('the playground on webgpu', () => {
  it('lists webgpu with its adapter and trains on it', async () => {
    const { page, errors } = await openPage(WEBGPU.query);
    try {
      const option = page.locator('select[name="backend"] option[value="webgpu"][data-available]');
      await option.waitFor({ state: 'attached', timeout: 30_000 });
      expect(await option.getAttribute('data-available')).toBe('true');
      expect(await option.textContent()).toMatch(/^webgpu \(.*swiftshader.*, software adapter\)$/i);
      await page.click('#start');
      await waitForEnd(page, 'done');
      expect(await page.locator('#status').getAttribute('data-backend')).toBe('webgpu');
      expect(await page.locator('#backend-line').textContent()).toMatch(
        /^Backend: webgpu \(.*swiftshader.*, software adapter\)$/i,
      );
      await expectResults(page, WEBGPU.modules, WEBGPU.steps);
      await expectGates(page, WEBGPU.modules, WEBGPU.steps);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('the playground without WebGL', () => {
  it('falls back to wasm, says so, trains the three modules, fits a phone screen and leaks no tensors on a second run', async () => {
    const { page, errors } = await openPage(WASM.query, true);
    try {
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.click('#start');
      await waitForEnd(page, 'done');
      expect(await page.locator('#status').getAttribute('data-backend')).toBe('wasm');
      expect(await page.locator('#backend-line').textContent()).toMatch(
        /^Backend: wasm \(SIMD, 1 thread\) — webgl unavailable: /,
      );
      await expectResults(page, WASM.modules, WASM.steps);
      await expectGates(page, WASM.modules, WASM.steps);
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      await page.setViewportSize({ width: 390, height: 844 });
      // The charts follow the new width on the resize event; then nothing is wider than the screen.
      await page.waitForFunction(() => document.documentElement.scrollWidth <= innerWidth, null, {
        timeout: 20_000,
      });
      // A second run (shorter, set in the form) disposes the first one's models and optimizer
      // state and builds the same again: the same number of tensors is left.
      const tensors = await page.locator('#status').getAttribute('data-tensors');
      await page.fill('input[name="steps"]', '1');
      await page.click('#start');
      await waitForEnd(page, 'done');
      expect(await page.locator('#status').getAttribute('data-tensors')).toBe(tensors);
      expect(new URL(page.url()).searchParams.get('steps')).toBe('1');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

it('reports a setting in the address it cannot use, naming it, and does not train', async () => {
  const { page } = await openPage('?modules=se,squeeze&backend=cpu');
  try {
    const status = page.locator('#status');
    await page.locator('#status[data-state="error"]').waitFor({ timeout: 30_000 });
    expect(await status.textContent()).toMatch(
      /^\?modules: expected names from none, se, .* received "squeeze"/,
    );
    expect(await page.locator('#start').isDisabled()).toBe(true);
  } finally {
    await page.close();
  }
});
