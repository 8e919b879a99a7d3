/** The commands a memsync worker runs, and what each answers. Types only. */

import type { MixedArgs, MixedResult } from './mixed-loop.js';

/** Wall-clock milliseconds (see lib/clock.ts). */
type At = number;

export interface MeshArgs {
  name: string;
  dir: string;
  clientOnly?: boolean;
  gatherMs?: number;
  logSize?: number;
  /** options.storage: the on-disk store every member of the mesh names. */
  storage?: { path: string; sync: 'always' | 'interval' | 'none' };
  /** options.backplane: redisBackplane on this Unix socket (many machines). */
  redis?: string;
}

export type MemsyncCommand =
  /** Opens the mesh; answers the role won and how long start() took. */
  | ({ cmd: 'start' } & MeshArgs)
  /** Observes `path` until its value reaches `target`; reports a `counted` event then. */
  | { cmd: 'count'; path: string; target: number }
  /** `count` $inc patches on `path`, `window` in flight, each awaited. */
  | { cmd: 'write'; path: string; count: number; window: number }
  /** Grows the document by about `mb` megabytes of records, in patches under the size limit. */
  | { cmd: 'fill'; mb: number }
  /** Answers every `ping` written by another process with the same value as `pong`. */
  | { cmd: 'pong' }
  /** `rounds` round trips ping -> pong after `warmup` unmeasured ones. */
  | { cmd: 'ping'; rounds: number; warmup: number }
  /** Starts writing an $inc about every millisecond without waiting for acknowledgements. */
  | { cmd: 'stream' }
  /** The first streamed patch issued after `at`, once it is acknowledged. */
  | { cmd: 'ackAfter'; at: At }
  /** Joins the mesh `runs` times as a fresh clientOnly replica; the last one stays open. */
  | ({ cmd: 'join'; runs: number } & MeshArgs)
  /** Memory after a full garbage collection. */
  | { cmd: 'memory' }
  /** Records memory and version every `everyMs` until `samples` is called. */
  | { cmd: 'sample'; everyMs: number }
  | { cmd: 'samples' }
  /** Writes the mixed workload's document: top-level keys k0 .. k(keys-1), all 0. */
  | { cmd: 'fillKeys'; keys: number }
  /** The mixed workload: local reads of `data`, awaited $inc patches. */
  | ({ cmd: 'mixed' } & MixedArgs)
  /** `rounds` own patches after `warmup` unmeasured ones, each awaited: microseconds each. */
  | { cmd: 'own'; rounds: number; warmup: number }
  | { cmd: 'status' }
  /** Messaging: lock acquire + release rounds, µs each. */
  | { cmd: 'lockRounds'; rounds: number; warmup: number }
  /** Messaging: serves `echo` (returns its argument). */
  | { cmd: 'serveEcho' }
  /** Messaging: calls of `echo` served elsewhere, µs each. */
  | { cmd: 'callRounds'; rounds: number; warmup: number }
  /** Messaging: counts `bench` events until `target`, then a `counted` event. */
  | { cmd: 'countEvents'; target: number }
  /** Messaging: emits `count` `bench` events. */
  | { cmd: 'emitEvents'; count: number; batch: number }
  | { cmd: 'stop' };

export interface MemoryFigures {
  rss: number;
  heapUsed: number;
  external: number;
}

export interface MemorySample extends MemoryFigures {
  at: At;
  version: number;
}

export interface MemsyncResults {
  start: { role: 'host' | 'client'; ms: number };
  count: true;
  write: { start: At; end: At; applied: number };
  fill: { jsonBytes: number; version: number };
  pong: true;
  ping: number[];
  stream: true;
  ackAfter: { issued: At; acked: At };
  join: { ms: number[]; jsonBytes: number };
  memory: MemoryFigures;
  sample: true;
  samples: MemorySample[];
  fillKeys: { version: number };
  mixed: MixedResult;
  own: number[];
  status: { role: string; version: number; peers: number; pending: number };
  lockRounds: number[];
  serveEcho: true;
  callRounds: number[];
  countEvents: true;
  emitEvents: true;
  stop: true;
}

/** Reported once a `count` reaches its target: the first and the last change seen. */
export interface CountedEvent {
  event: 'counted';
  path: string;
  firstAt: At;
  firstValue: number;
  lastAt: At;
  lastValue: number;
}
