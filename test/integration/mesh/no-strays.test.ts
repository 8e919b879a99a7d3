import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../support/cluster.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

describe('a disposed cluster leaves nothing behind', () => {
  it('every worker is dead and the socket directory is gone, whatever state they were in', async () => {
    const cluster = new Cluster();
    const host = (await cluster.start({}, { n: 0 })).worker;
    const busy = (await cluster.start({}, { n: 0 })).worker;
    const frozen = (await cluster.start({ clientOnly: true }, { n: 0 })).worker;
    const idle = await cluster.spawn(); // forked, never started
    const pids = cluster.workers.map((w) => w.pid);
    expect(pids).toHaveLength(4);
    for (const pid of pids) expect(isAlive(pid)).toBe(true);
    expect(existsSync(cluster.dir)).toBe(true);

    // Disposed mid-write, with one worker stopped by SIGSTOP (it cannot run a handler).
    const writing = busy.call(
      'patchMany',
      { update: { $inc: { n: 1 } }, count: 100_000, window: 8 },
      60_000,
    );
    writing.catch(() => {});
    frozen.signal('SIGSTOP');
    await cluster[Symbol.asyncDispose]();

    for (const pid of pids) expect(isAlive(pid), `pid ${pid}`).toBe(false);
    expect(existsSync(cluster.dir)).toBe(false);
    expect([host, busy, frozen, idle].every((w) => w.exited)).toBe(true);
    await expect(writing).rejects.toThrow(/exited/);
  });
});
