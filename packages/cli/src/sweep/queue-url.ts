// The queue's address: `redis://[user:password@]host:port/db`, `rediss://` for TLS, from
// `--queue` or `$SEVAR_QUEUE`. Parsed once here into connection options; everything that prints
// the address prints `display`, where the password is `***`.
import { isIP } from 'node:net';
import type { RedisOptions } from 'ioredis';
import { UsageError } from '../errors.js';

/** The environment variable read when `--queue` is absent. */
export const QUEUE_ENV = 'SEVAR_QUEUE';

export interface QueueTarget {
  /** The address with the password replaced by `***`: what logs and errors show. */
  display: string;
  /** ioredis connection options (host, port, db, user, password, TLS). */
  options: RedisOptions;
  /** Secrets to scrub from any text printed (the password, raw and URL-encoded). */
  secrets: string[];
}

const FORMAT = 'redis://[user:password@]host[:port][/db] or rediss://... (TLS)';

/** `value` with any `user:password@` part masked, for messages about a malformed address. */
function masked(value: string): string {
  return value.replace(/\/\/[^@/]*@/, '//***@');
}

function parseDb(url: URL, given: string): number {
  const path = url.pathname.replace(/^\//, '');
  if (path === '') return 0;
  if (!/^\d{1,5}$/.test(path)) {
    throw new UsageError('--queue', `${FORMAT}; the path is a database number`, masked(given));
  }
  return Number(path);
}

/** Parses `value` (or `$SEVAR_QUEUE` when undefined); a usage error that never echoes a password. */
export function parseQueueUrl(value: string | undefined, env = process.env): QueueTarget {
  const given = value ?? env[QUEUE_ENV];
  if (given === undefined || given.trim() === '') {
    throw new UsageError('--queue', `${FORMAT}, or $${QUEUE_ENV}`, 'neither');
  }
  let url: URL;
  try {
    url = new URL(given.trim());
  } catch {
    throw new UsageError('--queue', FORMAT, masked(given));
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new UsageError('--queue', FORMAT, masked(given));
  }
  if (url.hostname === '' || url.search !== '' || url.hash !== '') {
    throw new UsageError('--queue', `${FORMAT} (no query or fragment)`, masked(given));
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? 6379 : Number(url.port);
  const db = parseDb(url, given);
  const username = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  const options: RedisOptions = { host, port, db };
  if (username !== '') options.username = username;
  if (password !== '') options.password = password;
  // SNI takes host names only.
  if (url.protocol === 'rediss:') options.tls = isIP(host) === 0 ? { servername: host } : {};
  const auth =
    username !== '' || password !== '' ? `${username}${password !== '' ? ':***' : ''}@` : '';
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return {
    display: `${url.protocol}//${auth}${hostPart}:${port}/${db}`,
    options,
    secrets: password === '' ? [] : [...new Set([password, url.password])],
  };
}

/** `text` with every secret of `target` replaced by `***` (for messages of other libraries). */
export function scrub(text: string, target: QueueTarget): string {
  let out = text;
  for (const s of target.secrets) out = out.split(s).join('***');
  return out;
}
