/**
 * `memsync/redis`: many machines running one mesh, ordered by a Redis (or Valkey) Stream.
 * Each machine keeps its local host (elected by socket as always); only that host talks to
 * Redis. ioredis is an optional peer dependency, loaded when a host first connects.
 */
import type { Redis, RedisOptions } from 'ioredis';
import type { Backplane, BackplaneLink, BackplaneSink } from '../../sequencer.js';
import { type LinkClients, RedisLink } from './link.js';

/**
 * How to reach Redis: a URL (with any ioredis options beside it: `password`, `username`
 * for an ACL user, `tls`), ioredis options, or a connected ioredis client (memsync adds a
 * second connection of its own with `duplicate()`, for the blocking reads, and never closes
 * the client it was given).
 */
export type RedisBackplaneOptions = ({ url: string } & RedisOptions) | RedisOptions | Redis;

/** What memsync does with the mesh's keys. */
export interface RedisBackplaneSettings {
  /**
   * Every this many versions a host stores a snapshot of the state in Redis (joiners load
   * it) and trims the stream to this many versions behind it (XTRIM MINID); 0: never (the
   * stream keeps every entry).
   * @default 10000
   */
  snapshotEvery?: number;
}

/**
 * The Redis backplane: give `backplane: redisBackplane(...)` to every process on every
 * machine, with the same Redis server (Redis 7 or later: it uses a Redis Function).
 * @example new MemSync('orders', defaults, { backplane: redisBackplane({ url: 'redis://redis.internal:6379' }) })
 */
export function redisBackplane(options: RedisBackplaneOptions, settings: RedisBackplaneSettings = {}): Backplane {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('redisBackplane needs { url }, ioredis options or an ioredis client');
  }
  const every = settings.snapshotEvery ?? 10_000;
  if (!Number.isSafeInteger(every) || every < 0) throw new TypeError('snapshotEvery must be a whole number >= 0');
  const connect = (): Promise<LinkClients> => clientsFor(options);
  return {
    kind: 'redis',
    open(mesh: string, after: number, sink: BackplaneSink): BackplaneLink {
      return new RedisLink(mesh, after, sink, connect, every === 0 ? undefined : every);
    },
  };
}

function isClient(options: RedisBackplaneOptions): options is Redis {
  return typeof (options as Partial<Redis>).duplicate === 'function' && typeof (options as Partial<Redis>).call === 'function';
}

async function clientsFor(options: RedisBackplaneOptions): Promise<LinkClients> {
  if (isClient(options)) return { writer: options, reader: options.duplicate(), ownsWriter: false };
  const { Redis: Client } = await import('ioredis');
  // Writes wait out an outage (queued, then sent in order) instead of failing after retries.
  const common: RedisOptions = { maxRetriesPerRequest: null };
  const writer =
    'url' in options && typeof options.url === 'string'
      ? new Client(options.url, { ...common, ...withoutUrl(options) })
      : new Client({ ...common, ...options });
  return { writer, reader: writer.duplicate(), ownsWriter: true };
}

function withoutUrl(options: { url: string } & RedisOptions): RedisOptions {
  const { url: _url, ...rest } = options;
  return rest;
}
