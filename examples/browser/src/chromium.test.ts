import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findChromium, NoChromiumError } from './chromium.js';

describe('findChromium', () => {
  it('uses CHROMIUM_PATH when it names an existing file', async () => {
    const choice = await findChromium({ CHROMIUM_PATH: process.execPath });
    expect(choice).toEqual({ executablePath: process.execPath, source: 'CHROMIUM_PATH' });
  });

  it('rejects a CHROMIUM_PATH that does not exist, naming it and what to install', async () => {
    const missing = findChromium({ CHROMIUM_PATH: '/nonexistent/chromium' });
    await expect(missing).rejects.toThrow(NoChromiumError);
    await expect(missing).rejects.toThrow(/"\/nonexistent\/chromium".*apt-get install chromium/);
  });

  it('finds an executable Chromium without any configuration', async () => {
    const choice = await findChromium({});
    expect(existsSync(choice.executablePath)).toBe(true);
    expect(['system', '@sparticuz/chromium']).toContain(choice.source);
  });
});
