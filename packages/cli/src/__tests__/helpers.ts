import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bufferOutput, Interrupt } from '../context.js';
import { main } from '../main.js';

export const BIN = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));

export interface CliRun {
  code: number | null;
  signal?: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `sevar` in this process (sources, not the build). */
export async function runCli(args: string[]): Promise<CliRun> {
  const stdout = bufferOutput();
  const stderr = bufferOutput();
  const code = await main(args, { stdout, stderr, interrupt: new Interrupt(), progress: false });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** Spawns the built binary; `onStderr` sees stderr as it arrives (to send signals mid-run). */
export function spawnCli(
  args: string[],
  options: {
    cwd?: string;
    onStderr?: (text: string, child: ReturnType<typeof spawn>) => void;
    /** Kills a child still running after this long and fails with what it printed so far. */
    timeoutMs?: number;
    /** Environment changes for the child; undefined removes a variable. */
    env?: Record<string, string | undefined>;
  } = {},
): Promise<CliRun> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build first (npx tsc -b packages/cli)`);
  const env: Record<string, string | undefined> = {
    ...process.env,
    SEVAR_DEBUG: '',
    ...options.env,
  };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      options.onStderr?.(stderr, child);
    });
    const timeoutMs = options.timeoutMs ?? 240_000;
    const watchdog = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `sevar ${args.join(' ')} still ran after ${timeoutMs / 1000} s; its stderr so far:\n${stderr}`,
        ),
      );
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(watchdog);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(watchdog);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `sevar-cli-${prefix}-`));
}

/** The stderr of a failed command is one `error: ...` line (commander's or ours), no stack. */
export function expectOneLineError(stderr: string): string {
  const lines = stderr
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('(set SEVAR_DEBUG'));
  const errors = lines.filter((l) => l.startsWith('error:'));
  if (errors.length !== 1 || /\n\s+at /.test(stderr)) {
    throw new Error(`expected one error line and no stack trace, got:\n${stderr}`);
  }
  return errors[0]!;
}

/** A JSON file the command wrote, parsed. */
export async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}
