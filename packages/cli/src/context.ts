/** Where a command writes: process streams from the binary, buffers in tests. */
export interface Output {
  write(text: string): void;
}

/** What every command receives besides its options. */
export interface Context {
  stdout: Output;
  stderr: Output;
  /** Ctrl-C state; commands poll it between steps and epochs. */
  interrupt: Interrupt;
  /** Show progress bars (default: when stderr is a terminal). */
  progress: boolean;
}

/**
 * Ctrl-C handling: the first press asks the run to stop after the current epoch (whose
 * checkpoint is then written), the second to stop after the current step, keeping the last
 * checkpoint. The binary exits hard on the third.
 */
export class Interrupt {
  presses = 0;
  /** True while a training loop runs and will honour a stop request; otherwise Ctrl-C exits. */
  training = false;
  private readonly listeners: ((presses: number) => void)[] = [];

  get stopAfterEpoch(): boolean {
    return this.presses >= 1;
  }

  get stopNow(): boolean {
    return this.presses >= 2;
  }

  press(): void {
    this.presses++;
    for (const l of this.listeners) l(this.presses);
  }

  /** Calls `listener` on every press until the returned function removes it. */
  onPress(listener: (presses: number) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Listeners now registered (one context serves every command a process runs). */
  get listenerCount(): number {
    return this.listeners.length;
  }
}

export function bufferOutput(): Output & { text: string } {
  const o = {
    text: '',
    write(s: string) {
      o.text += s;
    },
  };
  return o;
}

/**
 * The process's stdout, going quiet once its reader has gone (`sevar variants | head -1`): an
 * EPIPE then ends the output, not the command, and prints no stack trace.
 */
function processStdout(): Output {
  let closed = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    closed = true;
    if (error.code === 'EPIPE') return;
    process.stderr.write(`error: cannot write to stdout: ${error.message}\n`);
    process.exitCode = 1;
  });
  return {
    write: (s) => {
      if (!closed) process.stdout.write(s);
    },
  };
}

export function defaultContext(): Context {
  return {
    stdout: processStdout(),
    stderr: { write: (s) => void process.stderr.write(s) },
    interrupt: new Interrupt(),
    progress: process.stderr.isTTY === true,
  };
}
