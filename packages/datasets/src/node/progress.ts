import { basename } from 'node:path';
import cliProgress from 'cli-progress';

export interface ProgressInfo {
  readonly file: string;
  readonly received: number;
  /** Total bytes, or NaN when the server does not say. */
  readonly total: number;
}

/** `true` draws a bar on stderr, a function receives updates, `false` is silent. */
export type ProgressOption = boolean | ((info: ProgressInfo) => void);

export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '?';
  const units = ['B', 'KB', 'MB', 'GB'];
  let u = 0;
  while (n >= 1000 && u < units.length - 1) {
    n /= 1000;
    u++;
  }
  return `${n.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}

export interface ProgressReporter {
  start(received: number, total: number): void;
  update(received: number): void;
  stop(): void;
}

/** A reporter for `option`; the bar shows bytes, rate and ETA. */
export function progressReporter(
  file: string,
  option: ProgressOption | undefined,
): ProgressReporter {
  const show = option ?? process.stderr.isTTY === true;
  if (typeof option === 'function') {
    let total = NaN;
    return {
      start: (r, t) => {
        total = t;
        option({ file, received: r, total });
      },
      update: (r) => option({ file, received: r, total }),
      stop: () => undefined,
    };
  }
  if (show !== true)
    return { start: () => undefined, update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      format: `${basename(file)} [{bar}] {percentage}% | {got}/{size} | {rate} | ETA {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      // Asked for explicitly: draw even when stderr is not a TTY (CI logs), every 2 s.
      noTTYOutput: option === true,
      notTTYSchedule: 2000,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let t0 = 0;
  let r0 = 0;
  let size = '?';
  return {
    start(received, total) {
      t0 = Date.now();
      r0 = received;
      size = formatBytes(total);
      bar.start(Number.isFinite(total) ? total : 0, received, {
        got: formatBytes(received),
        size,
        rate: '-',
      });
    },
    update(received) {
      const s = (Date.now() - t0) / 1000;
      const rate = s > 0 ? `${formatBytes((received - r0) / s)}/s` : '-';
      bar.update(received, { got: formatBytes(received), size, rate });
    },
    stop: () => bar.stop(),
  };
}
