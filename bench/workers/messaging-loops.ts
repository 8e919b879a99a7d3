/** The messaging bench loops a memsync bench worker runs (see scenarios/messaging.ts). */
import type { MemSync } from '../../src/index.js';
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

/** Emits `count` events, letting the loop turn every `batch` (a sender does not block its process forever). */
export async function emitEvents(mem: MemSync, count: number, batch: number): Promise<true> {
  for (let i = 0; i < count; i++) {
    mem.events.emit('bench', i);
    if (i % batch === batch - 1) await new Promise((r) => setImmediate(r));
  }
  return true;
}
