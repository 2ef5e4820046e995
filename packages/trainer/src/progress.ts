import cliProgress from 'cli-progress';

/** What the training loop tells the progress display. */
export interface ProgressReporter {
  start(epoch: number, epochs: number, totalSteps: number | undefined): void;
  update(step: number, values: { loss: number; top1: number; imagesPerSecond: number }): void;
  stop(): void;
}

const noop: ProgressReporter = { start() {}, update() {}, stop() {} };

/**
 * A cli-progress bar on stderr with loss, accuracy, images/s and ETA; a no-op when disabled or
 * when stderr is not a terminal (logs and CI stay clean).
 */
export function createProgress(enabled: boolean | undefined): ProgressReporter {
  if (enabled === false || (enabled === undefined && process.stderr.isTTY !== true)) return noop;
  let bar: cliProgress.SingleBar | null = null;
  return {
    start(epoch, epochs, totalSteps) {
      bar = new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format:
            `epoch ${epoch}/${epochs} [{bar}] {value}/{total} | loss {loss} | acc {acc}% | ` +
            '{ips} img/s | ETA {eta_formatted}',
          hideCursor: true,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
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
