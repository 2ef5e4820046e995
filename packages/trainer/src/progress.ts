import type cliProgress from 'cli-progress';

/** What the training loop tells the progress display. */
export interface ProgressReporter {
  start(epoch: number, epochs: number, totalSteps: number | undefined): void;
  update(step: number, values: { loss: number; top1: number; imagesPerSecond: number }): void;
  stop(): void;
}

const noop: ProgressReporter = { start() {}, update() {}, stop() {} };

/**
 * A cli-progress bar on stderr with loss, accuracy, images/s and ETA. By default only when stderr
 * is a terminal (logs and CI stay clean); `true` forces it (periodic lines on a non-terminal).
 */
export async function createProgress(enabled: boolean | undefined): Promise<ProgressReporter> {
  // No process.stderr in a browser: no bar there, and cli-progress is never loaded.
  const stderr = typeof process === 'undefined' ? undefined : process.stderr;
  if (
    enabled === false ||
    stderr === undefined ||
    (enabled === undefined && stderr.isTTY !== true)
  ) {
    return noop;
  }
  const { default: cli } = await import('cli-progress');
  let bar: cliProgress.SingleBar | null = null;
  return {
    start(epoch, epochs, totalSteps) {
      bar = new cli.SingleBar(
        {
          stream: process.stderr,
          format:
            `epoch ${epoch}/${epochs} [{bar}] {value}/{total} | loss {loss} | acc {acc}% | ` +
            '{ips} img/s | ETA {eta_formatted}',
          hideCursor: true,
          etaBuffer: 50,
          // Asked for explicitly on a non-terminal (e.g. a log file): print a line every 2 s.
          noTTYOutput: process.stderr.isTTY !== true,
          notTTYSchedule: 2000,
        },
        cli.Presets.shades_classic,
      );
      bar.start(totalSteps ?? 0, 0, { loss: '-', acc: '-', ips: '-' });
    },
    update(step, { loss, top1, imagesPerSecond }) {
      bar?.update(step, {
        loss: loss.toFixed(4),
        acc: (top1 * 100).toFixed(2),
        ips: imagesPerSecond.toFixed(1),
      });
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}
