/** The messaging bench loops a memsync bench worker runs (see scenarios/messaging.ts). */
import { MemSyncError, type MemSync } from '../../src/index.js';
import { wallNow } from '../lib/clock.js';
import { report } from './serve.js';

/** `rounds` lock acquire + release pairs after `warmup` unmeasured ones: microseconds each. */
export async function lockRounds(mem: MemSync, rounds: number, warmup: number): Promise<number[]> {
  const micros: number[] = [];
  for (let i = 0; i < warmup + rounds; i++) {
    const began = performance.now();
    const lock = await mem.lock('bench');
    await lock.release();
    if (i >= warmup) micros.push((performance.now() - began) * 1000);
  }
  return micros;
}

/** `rounds` calls of `echo` (served by another process) after `warmup`: microseconds each. */
export async function callRounds(mem: MemSync, rounds: number, warmup: number): Promise<number[]> {
  const micros: number[] = [];
  for (let i = 0; i < warmup + rounds; i++) {
    const began = performance.now();
    await mem.call('echo', i);
    if (i >= warmup) micros.push((performance.now() - began) * 1000);
  }
  return micros;
}

/** Counts `bench` events until `target`; reports `counted` (first and last arrival) then. */
export function countEvents(mem: MemSync, target: number): true {
  let seen = 0;
  let firstAt = 0;
  const stop = mem.events.on('bench', () => {
    seen++;
    if (seen === 1) firstAt = wallNow();
    if (seen < target) return;
    stop();
    report({ event: 'counted', path: 'events', firstAt, firstValue: 1, lastAt: wallNow(), lastValue: seen });
  });
  return true;
}

/** How long an emitter waits, in all, for a host to take its queued events before it gives up. */
const STALL_LIMIT_MS = 30_000;

/**
 * Emits `count` events, letting the loop turn every `batch` (a sender does not block its process
 * forever). Events wait in the emitter while it has no host link (a loaded machine can take it
 * between hosts for a while): when that queue is full (`ERR_LIMIT_EXCEEDED`), the burst pauses
 * and resends the same event once the queue drains, as a careful app would, instead of failing
 * the bench. Every event is still emitted once; the pauses count in the time measured.
 */
export async function emitEvents(mem: MemSync, count: number, batch: number): Promise<true> {
  let stalledMs = 0;
  for (let i = 0; i < count; i++) {
    try {
      mem.events.emit('bench', i);
    } catch (error) {
      if (!(error instanceof MemSyncError) || error.code !== 'ERR_LIMIT_EXCEEDED' || stalledMs >= STALL_LIMIT_MS) throw error;
      await new Promise((r) => setTimeout(r, 5));
      stalledMs += 5;
      i--;
      continue;
    }
    if (i % batch === batch - 1) await new Promise((r) => setImmediate(r));
  }
  return true;
}
