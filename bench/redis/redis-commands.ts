/** The commands a Redis bench worker runs, and what each answers. Types only. */
import type { MixedArgs, MixedResult } from '../workers/mixed-loop.js';

export type RedisCommand =
  /**
   * Connects to the server at `path`: one connection for commands, one subscribed to the
   * document's channel. `pipeline`: ioredis's auto-pipelining (the commands of one tick in
   * one write, at the cost of a setImmediate hop), for the rows with many writes in flight.
   */
  | { cmd: 'connect'; path: string; pipeline: boolean }
  /** Counts the published values of `key` until one reaches `target`; reports a `counted` event then. */
  | { cmd: 'count'; key: string; target: number }
  /** `count` atomic HINCRBY + PUBLISH scripts on `key`, `window` in flight, each awaited. */
  | { cmd: 'write'; key: string; count: number; window: number }
  /** Answers every published `ping` with the same value as `pong` (HSET + PUBLISH). */
  | { cmd: 'pong' }
  | { cmd: 'ping'; rounds: number; warmup: number }
  /** Writes the mixed workload's document: fields k0 .. k(keys-1) of one hash. */
  | { cmd: 'fillKeys'; keys: number }
  /** The mixed workload: HGET round trips and HINCRBY writes. */
  | ({ cmd: 'mixed' } & MixedArgs);

export interface RedisResults {
  connect: true;
  count: true;
  write: { start: number; end: number; applied: number };
  pong: true;
  ping: number[];
  fillKeys: true;
  mixed: MixedResult;
}
