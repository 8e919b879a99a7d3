import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, until, type Worker } from '../../support/cluster.js';

const PROCESSES = 50;
const BATCH = 10;

describe('fifty processes in one mesh', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.[Symbol.asyncDispose]();
    cluster = undefined;
  });

  it('one host, fifty peers, a write from the last reaches all', { timeout: 180_000 }, async () => {
    cluster = new Cluster();
    const began = Date.now();
    // The first batch races for the address too: the kernel lets exactly one bind it.
    const started = await cluster.startMany(PROCESSES, { timeout: 60_000 }, { hits: 0 }, BATCH);
    const startedMs = Date.now() - began;
    expect(started.filter((s) => s.role === 'host')).toHaveLength(1);

    const { status, all } = await cluster.oneHost(60_000);
    expect(all).toHaveLength(PROCESSES);
    let peers = status.peers;
    await until(
      async () => {
        peers = (await cluster!.oneHost(60_000)).status.peers;
        return peers === PROCESSES;
      },
      30_000,
      () => `host counting ${PROCESSES} peers (last: ${peers})`,
    );

    const last = (started.at(-1) as { worker: Worker }).worker;
    const written = await last.call<{ version: number; applied: boolean }>('patch', {
      update: { $inc: { hits: 1 }, $set: { from: last.pid } },
    });
    expect(written.applied).toBe(true);
    let behind: number[] = [];
    await until(
      async () => {
        const states = await Promise.all(
          cluster!.alive().map((w) => w.call<{ hits: number; from?: number }>('get')),
        );
        behind = cluster!
          .alive()
          .filter((_, i) => states[i]?.hits !== 1 || states[i]?.from !== last.pid)
          .map((w) => w.pid);
        return behind.length === 0;
      },
      30_000,
      () => `the write on every replica (still behind: ${behind.join(', ')})`,
    );
    console.info(
      `many-processes: ${PROCESSES} started in ${startedMs} ms (batches of ${BATCH}); whole test ${Date.now() - began} ms`,
    );
  });
});
