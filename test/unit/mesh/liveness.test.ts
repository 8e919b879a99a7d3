import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HostFence } from '../../../src/mesh/host-fence.js';
import { HostWatch } from '../../../src/mesh/host-watch.js';

/** The two halves of liveness (issue #14): a member's watch on its host, and the host's fence. */
describe('HostWatch', () => {
  let clock = 0;
  const now = (): number => clock;
  /** The verdict at once, as if the sockets had been read and held nothing. */
  const sync = (fn: () => void): void => fn();
  /** Time passes while our timers run on time: `ms` in steps of 10. */
  const run = (ms: number): void => {
    for (let t = 0; t < ms; t += 10) {
      clock += 10;
      vi.advanceTimersByTime(10);
    }
  };
  beforeEach(() => {
    clock = 0;
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  });
  afterEach(() => vi.useRealTimers());

  it('reports a host silent for hostTimeout, once', () => {
    const silent: number[] = [];
    const watch = new HostWatch(1000, (ms) => silent.push(ms), now, sync);
    run(900);
    expect(silent).toEqual([]);
    run(400);
    expect(silent).toHaveLength(1);
    expect(silent[0]).toBeGreaterThanOrEqual(1000);
    run(3000);
    expect(silent).toHaveLength(1);
    watch.stop();
  });

  it('anything heard from the host starts the silence over', () => {
    const silent: number[] = [];
    const watch = new HostWatch(1000, (ms) => silent.push(ms), now, sync);
    for (let i = 0; i < 20; i++) {
      run(600);
      watch.heard();
    }
    expect(silent).toEqual([]);
    watch.stop();
  });

  it('forgives its own pause: a member that did not run for 5 s gives the host a fresh hostTimeout', () => {
    const silent: number[] = [];
    const watch = new HostWatch(1000, (ms) => silent.push(ms), now, sync);
    run(500);
    // Our event loop stood still (no timer ran) while the clock moved on.
    clock += 5000;
    run(250);
    expect(silent).toEqual([]);
    // Still nothing from the host once we run again: now it is the host's silence.
    run(1100);
    expect(silent).toHaveLength(1);
    watch.stop();
  });

  it('a silence is judged only after the sockets are read: heartbeats found unread there clear it', () => {
    const silent: number[] = [];
    const afterRead: Array<() => void> = [];
    const watch = new HostWatch(1000, (ms) => silent.push(ms), now, (fn) => afterRead.push(fn));
    // A slow loop, not a stopped one: no gap long enough to forgive as our own pause.
    run(1100);
    expect(afterRead).toHaveLength(1);
    run(200); // still slow: no second verdict queued while one waits
    expect(afterRead).toHaveLength(1);
    watch.heard(); // the read found the host's heartbeats
    afterRead.shift()!();
    expect(silent).toEqual([]);
    // Nothing in a later read either: now the host is silent.
    run(1300);
    expect(afterRead).toHaveLength(1);
    afterRead.shift()!();
    expect(silent).toHaveLength(1);
    watch.stop();
  });

  it('a verdict pending when the watch stops reports nothing', () => {
    const silent: number[] = [];
    const afterRead: Array<() => void> = [];
    const watch = new HostWatch(1000, (ms) => silent.push(ms), now, (fn) => afterRead.push(fn));
    run(1100);
    watch.stop();
    afterRead.shift()!();
    expect(silent).toEqual([]);
  });

  it('stop() ends the watch', () => {
    const silent: number[] = [];
    const watch = new HostWatch(1000, (ms) => silent.push(ms), now, sync);
    watch.stop();
    run(5000);
    expect(silent).toEqual([]);
  });
});

describe('HostFence', () => {
  it('asks the address at most every quarter hostTimeout (100 ms at most), and says deposed for good once taken', () => {
    let clock = 0;
    let owned: boolean | undefined = true;
    let asked = 0;
    const deposed: number[] = [];
    const fence = new HostFence(
      2000,
      () => {
        asked++;
        return owned;
      },
      () => deposed.push(clock),
      () => clock,
    );
    for (let i = 0; i < 50; i++) expect(fence.deposed()).toBe(false);
    expect(asked).toBe(0);
    clock = 150;
    expect(fence.deposed()).toBe(false);
    expect(asked).toBe(1);
    owned = false;
    clock = 200;
    expect(fence.deposed()).toBe(false); // within the cache: a deposition needs hostTimeout of silence
    clock = 5000; // woken after a long stop
    expect(fence.deposed()).toBe(true);
    expect(deposed).toEqual([5000]);
    owned = true;
    clock = 10_000;
    expect(fence.deposed()).toBe(true);
    expect(fence.wasDeposed).toBe(true);
    expect(deposed).toHaveLength(1);
  });

  it('a fresh check asks the address whatever the cache says', () => {
    let clock = 0;
    let owned = true;
    let asked = 0;
    const fence = new HostFence(2000, () => (asked++, owned), () => {}, () => clock);
    clock = 10;
    expect(fence.deposed(true)).toBe(false);
    owned = false;
    clock = 20;
    expect(fence.deposed()).toBe(false); // cached
    expect(fence.deposed(true)).toBe(true);
    expect(asked).toBe(2);
  });

  it('a transport that cannot tell (undefined) never fences', () => {
    let clock = 0;
    const fence = new HostFence(2000, () => undefined, () => {}, () => clock);
    for (let i = 0; i < 10; i++) {
      clock += 1000;
      expect(fence.deposed()).toBe(false);
    }
  });
});
