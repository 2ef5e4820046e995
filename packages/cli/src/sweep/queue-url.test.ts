import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { parseQueueUrl, scrub } from './queue-url.js';

describe('queue address', () => {
  it('parses host, port, db, user and password; the display masks the password', () => {
    const t = parseQueueUrl('redis://alice:s3cr%40t@queue.lab:6380/4');
    expect(t.options).toEqual({
      host: 'queue.lab',
      port: 6380,
      db: 4,
      username: 'alice',
      password: 's3cr@t',
    });
    expect(t.display).toBe('redis://alice:***@queue.lab:6380/4');
    expect(scrub('auth s3cr@t failed (s3cr%40t)', t)).toBe('auth *** failed (***)');
  });

  it('defaults to port 6379 and db 0; rediss:// turns TLS on; $SEVAR_QUEUE when --queue is absent', () => {
    const t = parseQueueUrl(undefined, { SEVAR_QUEUE: 'rediss://:pw@10.0.0.5' });
    expect(t.options).toEqual({ host: '10.0.0.5', port: 6379, db: 0, password: 'pw', tls: {} });
    expect(t.display).toBe('rediss://:***@10.0.0.5:6379/0');
    expect(parseQueueUrl('rediss://q.lab').options.tls).toEqual({ servername: 'q.lab' });
    expect(parseQueueUrl('redis://[::1]:7000/2').display).toBe('redis://[::1]:7000/2');
  });

  it.each([
    [
      'http://:hunter2@host:6379',
      /--queue: expected redis:\/\/.*received "http:\/\/\*\*\*@host:6379"/,
    ],
    [
      'redis://:hunter2@host:6379/x',
      /the path is a database number, received "redis:\/\/\*\*\*@host:6379\/x"/,
    ],
    ['redis://:hunter2@host:notaport', /received "redis:\/\/\*\*\*@host:notaport"/],
    ['redis://:hunter2@host:6379/0?tls=1', /no query or fragment/],
  ])('%s is a usage error that never echoes the password', (url, message) => {
    let error: unknown;
    try {
      parseQueueUrl(url);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('neither --queue nor $SEVAR_QUEUE: says how to give one', () => {
    expect(() => parseQueueUrl(undefined, {})).toThrow(
      /--queue: expected redis:\/\/.*or \$SEVAR_QUEUE, received "neither"/,
    );
  });
});
