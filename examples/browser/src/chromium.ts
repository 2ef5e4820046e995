// Which Chromium the browser tests drive: CHROMIUM_PATH when set, else a system Chromium or
// Chrome (Debian's `chromium`, which the test command installs), else the build that ships
// inside the @sparticuz/chromium npm package (Linux x64). Shared with the playground's test
// (`@sevar/example-browser/chromium`).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext } from 'playwright-core';

const SYSTEM = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

export interface ChromiumChoice {
  executablePath: string;
  source: 'CHROMIUM_PATH' | 'system' | '@sparticuz/chromium';
}

export class NoChromiumError extends Error {
  constructor(detail: string) {
    super(
      `no Chromium for the browser test: ${detail}. ` +
        'Install one (Debian: apt-get install chromium) or set CHROMIUM_PATH to its executable',
    );
    this.name = 'NoChromiumError';
  }
}

export async function findChromium(env = process.env): Promise<ChromiumChoice> {
  const fromEnv = env['CHROMIUM_PATH'];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!existsSync(fromEnv)) {
      throw new NoChromiumError(
        `CHROMIUM_PATH is ${JSON.stringify(fromEnv)}, which does not exist`,
      );
    }
    return { executablePath: fromEnv, source: 'CHROMIUM_PATH' };
  }
  const system = SYSTEM.find((path) => existsSync(path));
  if (system !== undefined) return { executablePath: system, source: 'system' };
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new NoChromiumError(
      `none found, and @sparticuz/chromium ships Linux x64 only (this is ${process.platform} ${process.arch})`,
    );
  }
  // Unpacks its brotli-compressed build into the temporary folder on first use.
  const { default: packaged } = await import('@sparticuz/chromium');
  return { executablePath: await packaged.executablePath(), source: '@sparticuz/chromium' };
}

/**
 * Flags for a headless Chromium on a machine without network or GPU: nothing phones home, and
 * WebGL runs on SwiftShader (ANGLE's software Vulkan device), Chromium's software renderer.
 * WebGPU on Linux is behind `--enable-unsafe-webgpu` (without it `requestAdapter()` gives no
 * adapter); with it, and no GPU, Chromium offers SwiftShader as a fallback adapter (Debian's
 * Chromium, whose `chromium-common` ships SwiftShader's Vulkan driver, and `@sparticuz/chromium`).
 */
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--enable-unsafe-webgpu',
] as const;

export interface LaunchedChromium {
  context: BrowserContext;
  choice: ChromiumChoice;
  /** Closes the browser and removes its profile folder. */
  close(): Promise<void>;
}

/** Starts the Chromium `findChromium` picks, headless, with a fresh profile in the temporary folder. */
export async function launchChromium(env = process.env): Promise<LaunchedChromium> {
  const choice = await findChromium(env);
  const profile = mkdtempSync(join(tmpdir(), 'sevar-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: choice.executablePath,
    headless: true,
    args: [...CHROMIUM_FLAGS],
  });
  // Software WebGL compiling shaders can hold a page's main thread for tens of seconds on a busy
  // machine, and a click waits for the page to answer: more than playwright's 30 s default.
  context.setDefaultTimeout(120_000);
  return {
    context,
    choice,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
