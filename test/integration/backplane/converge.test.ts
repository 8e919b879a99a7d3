/**
 * Three "machines" (separate socket directories, so three local hosts) sharing one real
 * redis-server, two processes each, writers on every one: one global order, the same bytes
 * everywhere; and guarded decrements from every machine judged on that one order.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Machines } from '../../support/machines.js';

interface ManyResult {
  applied: number;
  refused: number;
  reasons: Record<string, number>;
}

describe('many machines on Redis Streams', () => {
  let machines: Machines | undefined;
  afterEach(async () => {
    await machines?.[Symbol.asyncDispose]();
    machines = undefined;
  });

  it('3 machines × 2 processes, all writing: every replica converges byte for byte', { timeout: 120_000 }, async () => {
    machines = await Machines.start(3);
    const defaults = { counter: 0, last: '', byWriter: {} };
    for (let m = 0; m < 3; m++) for (let p = 0; p < 2; p++) await machines.start(m, defaults);
    const hosts = await machines.oneHostEach();
    expect(new Set(hosts).size).toBe(3);
    // Every process, host or client, reports the backplane the mesh orders through.
    const statuses = await Promise.all(machines.alive().map((w) => w.call<{ backplane?: string }>('status')));
    expect(statuses.map((s) => s.backplane)).toEqual(statuses.map(() => 'redis'));
    const PER = 200;
    const writers = machines.alive();
    // Shared counter, a last-writer-wins contest on one key, and keys of each writer's own.
    await Promise.all(
      writers.map((w, i) =>
        Promise.all([
          w.call<ManyResult>('patchMany', { update: { $inc: { counter: 1 } }, count: PER, window: 8 }, 90_000),
          w.call<ManyResult>('patchMany', { update: { $set: { last: `w${i}`, [`byWriter.w${i}`]: i } }, count: PER / 4, window: 4 }, 90_000),
        ]),
      ),
    ).then((results) => {
      for (const [inc, set] of results) {
        expect(inc).toEqual({ applied: PER, refused: 0, reasons: {} });
        expect(set.applied + set.refused).toBe(PER / 4);
      }
    });
    const total = writers.length * (PER + PER / 4);
    await machines.converged(total);
    const states = await Promise.all(machines.alive().map((w) => w.call<{ counter: number; last: string; byWriter: Record<string, number> }>('get')));
    for (const state of states) {
      expect(state.counter).toBe(writers.length * PER);
      expect(Object.keys(state.byWriter).sort()).toEqual(writers.map((_, i) => `w${i}`).sort());
      expect(state).toEqual(states[0]);
    }
  });

  it('guarded decrements of one stock from every machine: exactly the stock applied, never below 0', { timeout: 120_000 }, async () => {
    const STOCK = 100;
    const PER = 30;
    machines = await Machines.start(3);
    for (let m = 0; m < 3; m++) for (let p = 0; p < 2; p++) await machines.start(m, { stock: STOCK });
    await machines.oneHostEach();
    const writers = machines.alive();
    const results = await Promise.all(
      writers.map((w) =>
        w.call<ManyResult>('patchMany', { update: { $inc: { stock: -1 } }, if: { stock: { $gt: 0 } }, count: PER, window: 4 }, 90_000),
      ),
    );
    const applied = results.reduce((sum, r) => sum + r.applied, 0);
    expect(applied).toBe(STOCK);
    expect(results.reduce((sum, r) => sum + r.refused, 0)).toBe(writers.length * PER - STOCK);
    for (const r of results) expect(r.reasons).toEqual(r.refused === 0 ? {} : { condition: r.refused });
    await machines.converged(writers.length * PER);
    for (const w of machines.alive()) expect(await w.call('get', { path: 'stock' })).toBe(0);
  });
});
