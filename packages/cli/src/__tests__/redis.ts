// A real redis-server for the sweep tests: on a free loopback port, in a temporary folder, with
// the persistence a test asks for; stopped (or killed and restarted) by the test.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { tempDir } from './helpers.js';

export interface RedisServer {
  port: number;
  dir: string;
  /** `redis://[:password@]127.0.0.1:port/db`. */
  url(db?: number, password?: string): string;
  /** A client for the test's own checks (closed by `stop`). */
  client(): Redis;
  /** Kills the server (SIGKILL: no clean shutdown) and starts it again on the same port and data. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** A loopback port nothing listens on (for the unreachable-queue tests). */
export const unusedPort = freePort;

function launch(args: string[]): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ready to accept connections')) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.resume();
    child.on('error', (e) =>
      reject(
        new Error(
          `cannot start redis-server (install Redis 6.2+; Debian: apt-get install redis-server): ${e.message}`,
        ),
      ),
    );
    child.on('exit', (code) => reject(new Error(`redis-server exited with code ${code}:\n${out}`)));
  });
}

function exited(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/** Starts redis-server; `appendonly` logs every write to disk before answering (fsync always). */
export async function startRedis(
  options: { password?: string; appendonly?: boolean } = {},
): Promise<RedisServer> {
  const port = await freePort();
  const dir = await tempDir('redis');
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
  args.push('--daemonize', 'no', '--maxmemory-policy', 'noeviction');
  if (options.appendonly === true) args.push('--appendonly', 'yes', '--appendfsync', 'always');
  else args.push('--appendonly', 'no');
  if (options.password !== undefined) args.push('--requirepass', options.password);
  let child = await launch(args);
  const clients: Redis[] = [];
  return {
    port,
    dir,
    url: (db = 0, password = options.password) =>
      `redis://${password === undefined ? '' : `:${encodeURIComponent(password)}@`}127.0.0.1:${port}/${db}`,
    client: () => {
      const c = new Redis({
        host: '127.0.0.1',
        port,
        password: options.password,
        maxRetriesPerRequest: null,
      });
      c.on('error', () => {});
      clients.push(c);
      return c;
    },
    restart: async () => {
      await exited(child, 'SIGKILL');
      child = await launch(args);
    },
    stop: async () => {
      for (const c of clients) c.disconnect();
      await exited(child, 'SIGTERM');
    },
  };
}
