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

  it('one host, fifty peers, a write from the last reaches all; after a host kill, 49 agree again', { timeout: 180_000 }, async () => {
    cluster = new Cluster();
    const began = Date.now();
    // The first batch races for the address too: the kernel lets exactly one bind it.
    const started = await cluster.startMany(PROCESSES, { timeout: 60_000 }, { hits: 0 }, BATCH);
    const startedMs = Date.now() - began;
    expect(started.filter((s) => s.role === 'host')).toHaveLength(1);

    const { host, status, all } = await cluster.oneHost(60_000);
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
    await writeReachesAll(cluster, last, 1);
    const firstPhaseMs = Date.now() - began;

    // Forty-nine clients lose their host at once and all run the election.
    const killedAt = Date.now();
    await host.kill('SIGKILL');
    const after = await cluster.oneHost(60_000);
    expect(after.all).toHaveLength(PROCESSES - 1);
    await until(
      async () => (await cluster!.oneHost(60_000)).status.peers === PROCESSES - 1,
      30_000,
      () => `new host counting ${PROCESSES - 1} peers`,
    );
    const reelectedMs = Date.now() - killedAt;
    await writeReachesAll(cluster, cluster.alive()[0] as Worker, 2);
    console.info(
      `many-processes: ${PROCESSES} started in ${startedMs} ms (batches of ${BATCH}); one write everywhere at ${firstPhaseMs} ms; ` +
        `after SIGKILL of the host, ${PROCESSES - 1} agreed on a new one in ${reelectedMs} ms; whole test ${Date.now() - began} ms`,
    );
  });
});

/** `writer` increments `hits` to `hits` and tags it; waits until every live replica shows both. */
async function writeReachesAll(cluster: Cluster, writer: Worker, hits: number): Promise<void> {
  const written = await writer.call<{ version: number; applied: boolean }>('patch', {
    update: { $inc: { hits: 1 }, $set: { from: writer.pid } },
  });
  expect(written.applied).toBe(true);
  let behind: number[] = [];
  await until(
    async () => {
      const alive = cluster.alive();
      const states = await Promise.all(alive.map((w) => w.call<{ hits: number; from?: number }>('get')));
      behind = alive.filter((_, i) => states[i]?.hits !== hits || states[i]?.from !== writer.pid).map((w) => w.pid);
      return behind.length === 0;
    },
    30_000,
    () => `write ${hits} on every replica (still behind: ${behind.join(', ')})`,
  );
}
