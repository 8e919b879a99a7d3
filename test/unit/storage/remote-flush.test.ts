import { describe, expect, it } from 'vitest';
import { MemSyncError } from '../../../src/errors.js';
import { type FlushRoute, flushThroughHosts } from '../../../src/storage/remote-flush.js';

/** A replica's roles as a script: `attempts` answer in turn; `change()` moves the role on. */
class ScriptedRoute implements FlushRoute {
  role: 'idle' | 'electing' | 'host' | 'stopped' = 'electing';
  changes = 0;
  calls = 0;
  private waiters: Array<() => void> = [];
  constructor(private readonly attempts: Array<() => Promise<void>>) {}
  attempt(): Promise<void> | undefined {
    if (this.role !== 'host') return undefined;
    const next = this.attempts[this.calls++];
    return next ? next() : new Promise<void>(() => {});
  }
  idle(): boolean {
    return this.role === 'idle' || this.role === 'stopped';
  }
  generation(): number {
    return this.changes;
  }
  nextRole(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  change(role: ScriptedRoute['role']): void {
    this.role = role;
    this.changes++;
    for (const wake of this.waiters.splice(0)) wake();
  }
}

const gone = (): Promise<void> => Promise.reject(new MemSyncError('ERR_CONNECTION', 'connection to the host closed'));
const ok = (): Promise<void> => Promise.resolve();
const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 10));

describe('flushThroughHosts', () => {
  it('resolves at once for a replica never started', async () => {
    const route = new ScriptedRoute([]);
    route.role = 'idle';
    await flushThroughHosts(route, 1000);
    expect(route.calls).toBe(0);
  });

  it('during an election waits for a host, then asks it', async () => {
    const route = new ScriptedRoute([ok]);
    let done = false;
    const flushing = flushThroughHosts(route, 5000).then(() => (done = true));
    await tick();
    expect(done).toBe(false);
    route.change('host');
    await flushing;
    expect(route.calls).toBe(1);
  });

  it('the host gone mid-flush: asks the next host once the role moved on, not in a loop before', async () => {
    const route = new ScriptedRoute([gone, ok]);
    route.role = 'host';
    let done = false;
    const flushing = flushThroughHosts(route, 5000).then(() => (done = true));
    await tick();
    expect(done).toBe(false);
    expect(route.calls).toBe(1);
    route.change('electing');
    await tick();
    expect(route.calls).toBe(1);
    route.change('host');
    await flushing;
    expect(route.calls).toBe(2);
  });

  it("the store's own failure is not retried", async () => {
    const route = new ScriptedRoute([() => Promise.reject(new MemSyncError('ERR_STORAGE', 'disk full')), ok]);
    route.role = 'host';
    await expect(flushThroughHosts(route, 5000)).rejects.toMatchObject({ code: 'ERR_STORAGE' });
    expect(route.calls).toBe(1);
  });

  it('no host within the timeout: ERR_TIMEOUT naming the last host lost', async () => {
    const route = new ScriptedRoute([gone]);
    route.role = 'host';
    const error = await flushThroughHosts(route, 100).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_TIMEOUT' });
    expect((error as Error).message).toMatch(/within 100 ms; the last host went away: connection to the host closed/);
  });

  it('stopped while waiting: ERR_STOPPED, not a false success', async () => {
    const route = new ScriptedRoute([]);
    const flushing = flushThroughHosts(route, 5000);
    route.change('stopped');
    await expect(flushing).rejects.toMatchObject({ code: 'ERR_STOPPED' });
  });
});
