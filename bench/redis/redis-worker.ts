/**
 * A bench worker driving Redis with ioredis, as an application sharing state through Redis
 * would: the document is one hash, each write an atomic Lua script that changes a field and
 * publishes the new value on the document's channel, each reader a subscriber. The same
 * commands and events as the memsync and relay workers, so the same scenarios drive all three.
 */
import { Redis } from 'ioredis';
import { wallNow } from '../lib/clock.js';
import { mixedLoop } from '../workers/mixed-loop.js';
import { report, serve } from '../workers/serve.js';
import type { RedisCommand, RedisResults } from './redis-commands.js';

const DOC = 'doc';
const CHANNEL = 'doc';
const MIXED = 'mixed';

/** HINCRBY then PUBLISH 'field value', atomically: what memsync's $inc plus its broadcast does. */
const INC_PUBLISH = `local v = redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('PUBLISH', KEYS[2], ARGV[1] .. ' ' .. v)
return v`;
/** HSET then PUBLISH 'field value', atomically: memsync's $set. */
const SET_PUBLISH = `redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PUBLISH', KEYS[2], ARGV[1] .. ' ' .. ARGV[2])
return 1`;

let commands: Redis | undefined;
const scripts = { inc: '', set: '' };
/** Everyone who wants to see published changes in this process: field -> listeners. */
const listeners = new Map<string, Set<(value: number) => void>>();

function need(): Redis {
  if (!commands) throw new Error('connect first');
  return commands;
}

function listen(field: string, listener: (value: number) => void): () => void {
  let set = listeners.get(field);
  if (!set) listeners.set(field, (set = new Set()));
  set.add(listener);
  return () => set.delete(listener);
}

async function connect(path: string, pipeline: boolean): Promise<true> {
  commands = new Redis({ path, enableAutoPipelining: pipeline, lazyConnect: true, maxRetriesPerRequest: 0 });
  const subscriber = new Redis({ path, lazyConnect: true, maxRetriesPerRequest: 0 });
  await Promise.all([commands.connect(), subscriber.connect()]);
  subscriber.on('message', (_channel: string, message: string) => {
    const space = message.indexOf(' ');
    const set = listeners.get(message.slice(0, space));
    if (!set) return;
    const value = Number(message.slice(space + 1));
    for (const listener of set) listener(value);
  });
  await subscriber.subscribe(CHANNEL);
  scripts.inc = String(await commands.script('LOAD', INC_PUBLISH));
  scripts.set = String(await commands.script('LOAD', SET_PUBLISH));
  return true;
}

function count(key: string, target: number): true {
  let first: { at: number; value: number } | undefined;
  const stop = listen(key, (value) => {
    const now = wallNow();
    first ??= { at: now, value };
    if (value < target) return;
    stop();
    report({ event: 'counted', path: key, firstAt: first.at, firstValue: first.value, lastAt: now, lastValue: value });
  });
  return true;
}

async function write(key: string, total: number, window: number): Promise<RedisResults['write']> {
  const redis = need();
  let issued = 0;
  const lane = async (): Promise<void> => {
    while (issued < total) {
      issued++;
      await redis.evalsha(scripts.inc, 2, DOC, CHANNEL, key);
    }
  };
  const begin = wallNow();
  await Promise.all(Array.from({ length: window }, lane));
  return { start: begin, end: wallNow(), applied: total };
}

function pong(): true {
  const redis = need();
  listen('ping', (value) => void redis.evalsha(scripts.set, 2, DOC, CHANNEL, 'pong', value));
  return true;
}

async function ping(rounds: number, warmup: number): Promise<number[]> {
  const redis = need();
  let waiting: { value: number; resolve: () => void } | undefined;
  const stop = listen('pong', (value) => {
    if (waiting && value === waiting.value) waiting.resolve();
  });
  const micros: number[] = [];
  try {
    for (let i = 1; i <= warmup + rounds; i++) {
      const began = performance.now();
      const answered = new Promise<void>((resolve) => {
        waiting = { value: i, resolve };
      });
      void redis.evalsha(scripts.set, 2, DOC, CHANNEL, 'ping', i);
      await answered;
      if (i > warmup) micros.push((performance.now() - began) * 1000);
    }
  } finally {
    stop();
  }
  return micros;
}

async function fillKeys(keys: number): Promise<true> {
  const fields: Record<string, number> = {};
  for (let i = 0; i < keys; i++) fields[`k${i}`] = 0;
  await need().del(MIXED);
  await need().hset(MIXED, fields);
  return true;
}

async function run(command: RedisCommand): Promise<unknown> {
  switch (command.cmd) {
    case 'connect':
      return connect(command.path, command.pipeline);
    case 'count':
      return count(command.key, command.target);
    case 'write':
      return write(command.key, command.count, command.window);
    case 'pong':
      return pong();
    case 'ping':
      return ping(command.rounds, command.warmup);
    case 'fillKeys':
      return fillKeys(command.keys);
    case 'mixed': {
      const redis = need();
      // Reads are HGET round trips: a Redis client holds no copy of the data.
      return mixedLoop({ read: (key) => redis.hget(MIXED, key), write: (key) => redis.hincrby(MIXED, key, 1) }, command, process.pid);
    }
  }
}

serve((command) => run(command as RedisCommand));
