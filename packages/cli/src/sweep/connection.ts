// Talking to the queue's Redis: a quick check before any BullMQ object exists (so that an
// unreachable server or a refused password is one clear line, not endless reconnect attempts),
// and the connection options BullMQ's workers and queues get.
import { Redis } from 'ioredis';
import type { RedisOptions as BullRedisOptions } from 'bullmq';
import { QueueConnectionError } from './errors.js';
import type { QueueTarget } from './queue-url.js';
import { scrub } from './queue-url.js';

/** Oldest Redis BullMQ supports. */
const MIN_REDIS = [6, 2, 0] as const;
const CONNECT_TIMEOUT_MS = 5000;

function reason(error: unknown, target: QueueTarget): { reason: string; hint?: string } {
  const e = error as NodeJS.ErrnoException;
  const message = scrub(String(e?.message ?? error), target);
  switch (e?.code) {
    case 'ECONNREFUSED':
      return { reason: 'connection refused', hint: 'Is redis-server running there, on that port?' };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { reason: `host not found (${e.code})` };
    case 'ETIMEDOUT':
      return { reason: `no answer within ${CONNECT_TIMEOUT_MS / 1000} s` };
  }
  if (/^WRONGPASS|invalid password|invalid username-password/i.test(message)) {
    return {
      reason: 'the server refused the user name or password',
      hint: 'Check the password in --queue or $SEVAR_QUEUE.',
    };
  }
  if (/^NOAUTH/i.test(message)) {
    return {
      reason: 'the server needs a password',
      hint: 'Give it as redis://:password@host:port/db (or user:password@ for an ACL user).',
    };
  }
  return { reason: message.split('\n')[0] ?? message };
}

function versionOf(info: string): number[] {
  const v = /redis_version:([\d.]+)/.exec(info)?.[1] ?? '0';
  return v.split('.').map(Number);
}

function older(v: readonly number[], min: readonly number[]): boolean {
  for (let i = 0; i < min.length; i++) {
    if ((v[i] ?? 0) !== min[i]) return (v[i] ?? 0) < min[i]!;
  }
  return false;
}

/**
 * Connects once, authenticates, reads the server version and disconnects. Throws
 * {@link QueueConnectionError} (naming the redacted address) when the queue cannot be used.
 */
export async function checkQueue(target: QueueTarget): Promise<void> {
  const client = new Redis({
    ...target.options,
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  let lastError: unknown = null;
  client.on('error', (error) => {
    lastError = error;
  });
  try {
    await client.connect();
    const info = await client.info('server');
    const version = versionOf(info);
    if (older(version, MIN_REDIS)) {
      throw new QueueConnectionError(
        target.display,
        `Redis ${version.join('.')} is older than ${MIN_REDIS.join('.')}, the oldest BullMQ supports`,
      );
    }
  } catch (error) {
    if (error instanceof QueueConnectionError) throw error;
    const r = reason(lastError ?? error, target);
    throw new QueueConnectionError(target.display, r.reason, r.hint);
  } finally {
    client.disconnect();
  }
}

/**
 * Connection options for BullMQ. `persistent` ones (workers) wait through outages and reconnect
 * for as long as it takes; the others (submit, status, collect) give up after a few seconds.
 */
export function bullConnection(target: QueueTarget, persistent: boolean): BullRedisOptions {
  return {
    ...target.options,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: null,
    ...(persistent
      ? { retryStrategy: (times: number) => Math.min(100 * times, 2000) }
      : { retryStrategy: (times: number) => (times > 5 ? null : 200 * times) }),
  };
}
