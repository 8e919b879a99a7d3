import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareStamps, HybridClock, tsToMillis } from '../../../src/clock/hlc.js';

/** A wall clock the test moves by hand. */
function fakeTime(start: number): { now: () => number; set: (ms: number) => void } {
  let current = start;
  return { now: () => current, set: (ms) => (current = ms) };
}

describe('HybridClock', () => {
  it('follows the wall clock, in ticks of 1/1000 ms', () => {
    const time = fakeTime(5_000);
    const clock = new HybridClock(time.now);
    expect(clock.next()).toBe(5_000_000);
    time.set(6_000);
    expect(clock.next()).toBe(6_000_000);
    expect(tsToMillis(clock.next())).toBe(6_000);
  });

  it('stays strictly monotonic when the wall clock steps back', () => {
    const time = fakeTime(10_000);
    const clock = new HybridClock(time.now);
    const a = clock.next();
    time.set(2_000);
    const b = clock.next();
    const c = clock.next();
    expect(b).toBe(a + 1);
    expect(c).toBe(b + 1);
    time.set(10_001);
    expect(clock.next()).toBe(10_001_000);
  });

  it('counts up while the wall clock stalls, and carries into the ms part after 1000', () => {
    const time = fakeTime(1_000);
    const clock = new HybridClock(time.now);
    const stamps = Array.from({ length: 2500 }, () => clock.next());
    for (let i = 1; i < stamps.length; i++) expect(stamps[i]).toBe(stamps[i - 1]! + 1);
    expect(tsToMillis(stamps[999]!)).toBe(1_000);
    expect(tsToMillis(stamps[1000]!)).toBe(1_001);
    expect(tsToMillis(stamps[2499]!)).toBe(1_002);
    // When the wall clock catches up, it takes over again.
    time.set(1_010);
    expect(clock.next()).toBe(1_010_000);
  });

  it('observes remote stamps so the next local one is greater', () => {
    const clock = new HybridClock(() => 1_000);
    clock.observe(9_999_123);
    expect(clock.next()).toBe(9_999_124);
    clock.observe(5);
    expect(clock.next()).toBe(9_999_125);
    clock.observe(Number.NaN);
    clock.observe(Number.POSITIVE_INFINITY);
    expect(clock.next()).toBe(9_999_126);
  });

  it('survives a wall clock that returns garbage', () => {
    const clock = new HybridClock(() => Number.NaN);
    expect(clock.next()).toBe(1);
    expect(clock.next()).toBe(2);
  });

  it('is strictly increasing for any wall-clock walk and any observed stamps', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ wall: fc.integer({ min: 0, max: 2e12 }) }),
            fc.record({ remote: fc.integer({ min: 0, max: 2e15 }) }),
          ),
          { maxLength: 200 },
        ),
        (steps) => {
          let wall = 0;
          const clock = new HybridClock(() => wall);
          let last = -1;
          let seen = 0;
          for (const step of steps) {
            if ('remote' in step) {
              clock.observe(step.remote);
              seen = Math.max(seen, step.remote);
              continue;
            }
            wall = step.wall;
            const ts = clock.next();
            expect(ts).toBeGreaterThan(last);
            expect(ts).toBeGreaterThan(seen);
            expect(ts).toBeGreaterThanOrEqual(wall * 1000);
            last = ts;
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('compareStamps', () => {
  it('orders by timestamp, then by peer id', () => {
    expect(compareStamps(1, 'b', 2, 'a')).toBeLessThan(0);
    expect(compareStamps(2, 'a', 1, 'b')).toBeGreaterThan(0);
    expect(compareStamps(5, 'a', 5, 'b')).toBeLessThan(0);
    expect(compareStamps(5, 'b', 5, 'a')).toBeGreaterThan(0);
    expect(compareStamps(5, 'a', 5, 'a')).toBe(0);
  });

  it('is a total order: antisymmetric and transitive', () => {
    const stamp = fc.tuple(fc.integer({ min: 0, max: 5 }), fc.constantFrom('a', 'b', 'ab', ''));
    fc.assert(
      fc.property(stamp, stamp, stamp, ([at, ap], [bt, bp], [ct, cp]) => {
        const forth = Math.sign(compareStamps(at, ap, bt, bp));
        const back = Math.sign(compareStamps(bt, bp, at, ap));
        expect(forth + back).toBe(0);
        if (compareStamps(at, ap, bt, bp) <= 0 && compareStamps(bt, bp, ct, cp) <= 0) {
          expect(compareStamps(at, ap, ct, cp)).toBeLessThanOrEqual(0);
        }
      }),
      { numRuns: 200 },
    );
  });
});
