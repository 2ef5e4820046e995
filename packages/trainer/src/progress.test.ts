import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProgress } from './progress.js';

afterEach(() => {
  vi.restoreAllMocks();
});

function capture(): string[] {
  const writes: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    writes.push(String(chunk));
    return true;
  });
  return writes;
}

describe('createProgress', () => {
  it('writes nothing when disabled', async () => {
    const writes = capture();
    const p = await createProgress(false);
    p.start(1, 3, 10);
    p.update(5, { loss: 1.5, top1: 0.25, imagesPerSecond: 100 });
    p.stop();
    expect(writes).toEqual([]);
  });

  it('when forced shows epoch, loss, accuracy, images/s and ETA on stderr', async () => {
    const writes = capture();
    const p = await createProgress(true);
    p.start(2, 3, 10);
    p.update(5, { loss: 1.23456, top1: 0.25, imagesPerSecond: 99.5 });
    p.stop();
    const text = writes.join('');
    expect(text).toContain('epoch 2/3');
    expect(text).toContain('5/10');
    expect(text).toContain('loss 1.2346');
    expect(text).toContain('acc 25.00%');
    expect(text).toContain('99.5 img/s');
    expect(text).toContain('ETA');
  });
});
