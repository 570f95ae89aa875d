// Connecting to Redis for BullMQ: the URL checked as typed, a fast probe at start (an unreachable
// or misconfigured Redis is bad input, exit 2, before any work), and the production settings
// BullMQ asks for on every long-lived connection.
import { Redis } from 'ioredis';
import { UserError } from '../errors.ts';

/** `--redis` as given, or exit 2 naming the flag. */
export function parseRedisUrl(flag: string, text: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || !url.hostname) {
    throw new UserError('invalid flag', [{ path: flag, value: text, expected: 'a Redis URL: redis://HOST:PORT[/DB] (rediss:// for TLS, redis://:PASSWORD@HOST:PORT with a password)' }]);
  }
  return url;
}

/** The URL for messages: never the password. */
export function shownUrl(url: URL): string {
  if (!url.password) return url.href;
  const u = new URL(url.href);
  u.password = '***';
  return u.href;
}

/**
 * Options for a BullMQ connection that must outlive Redis restarts: `maxRetriesPerRequest: null`
 * (BullMQ's production setting: a command waits for the reconnection instead of failing) and a
 * reconnection backoff bounded at 5 s, so a returning Redis is found within seconds.
 */
export function connectionOptions(url: URL) {
  return {
    url: url.href,
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(250 * 2 ** times, 5000),
  };
}

/**
 * Connects once, without retrying, and checks what BullMQ needs: Redis ≥ 5 and
 * `maxmemory-policy noeviction` (under eviction Redis may drop jobs or their locks).
 */
export async function probeRedis(url: URL, flag = '--redis'): Promise<void> {
  const shown = shownUrl(url);
  const client = new Redis(url.href, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  // connect() only says "Connection is closed": the cause (ECONNREFUSED, ENOTFOUND…) comes as an event
  let cause: string | undefined;
  client.on('error', (e: Error) => (cause = e.message));
  try {
    try {
      await client.connect();
    } catch (e) {
      throw new UserError(`cannot reach Redis at ${shown} (${flag}): ${cause ?? (e instanceof Error ? e.message : String(e))}`);
    }
    const info = await client.info('server');
    const major = Number(/redis_version:(\d+)/.exec(info)?.[1]);
    if (!(major >= 5)) throw new UserError(`Redis at ${shown} is version ${/redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown'}: BullMQ needs Redis 5 or later (6.2 or later recommended)`);
    let policy: string | undefined;
    try {
      policy = ((await client.call('CONFIG', 'GET', 'maxmemory-policy')) as string[])[1];
    } catch {
      // managed Redis services may refuse CONFIG; their policy cannot be checked from here
    }
    if (policy !== undefined && policy !== 'noeviction') {
      throw new UserError(`Redis at ${shown} has maxmemory-policy ${policy}: BullMQ needs noeviction, or Redis may evict jobs and their locks (redis-cli config set maxmemory-policy noeviction, or --maxmemory-policy noeviction when starting redis-server)`);
    }
  } finally {
    client.disconnect();
  }
}
