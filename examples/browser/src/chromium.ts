// Which Chromium the browser test drives: CHROMIUM_PATH when set, else a system Chromium or
// Chrome, else the build that ships inside the @sparticuz/chromium npm package (Linux x64), so
// the test needs nothing beyond `pnpm install`.
import { existsSync } from 'node:fs';

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
