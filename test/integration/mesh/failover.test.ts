import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, until, type Worker } from '../../support/cluster.js';

const ROUNDS = 20;
const HOSTABLE = 5;

interface Digest {
  sha256: string;
  version: number;
}

/** Waits until every live worker holds the same state at `version` or later; returns it. */
async function converged(cluster: Cluster, version: number): Promise<Digest> {
  let digests: Digest[] = [];
  await until(
    async () => {
      digests = await Promise.all(cluster.alive().map((w) => w.call<Digest>('digest')));
      const first = digests[0];
      return (
        first !== undefined &&
        first.version >= version &&
        digests.every((d) => d.sha256 === first.sha256 && d.version === first.version)
      );
    },
    30_000,
    () => `replicas converged at version ${version} (last: ${JSON.stringify(digests)})`,
  );
  return digests[0] as Digest;
}

/**
 * Six processes at all times: five that may host and one `clientOnly` observer, which can
 * never be the host killed and so carries its observer through all twenty rounds. Each round
 * SIGKILLs whoever hosts, checks the five survivors agree on one new host, writes through a
 * survivor and checks every replica has it, then starts a fresh hostable replacement.
 */
describe('SIGKILL of the host, twenty times in a row', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.[Symbol.asyncDispose]();
    cluster = undefined;
  });

  it('re-elects exactly one host each time; replicas converge; early observers keep firing', {
    timeout: 240_000,
  }, async () => {
    cluster = new Cluster();
    const defaults = { round: 0, log: [] as number[] };
    const first = await cluster.start({}, defaults);
    expect(first.role).toBe('host');
    for (let i = 1; i < HOSTABLE; i++) await cluster.start({}, defaults);
    const observer = (await cluster.start({ clientOnly: true }, defaults)).worker;
    const originals: Worker[] = [...cluster.workers];
    for (const w of originals) await w.call('observe', { path: 'round' });

    let epoch = (await cluster.oneHost()).status.epoch;
    for (let round = 1; round <= ROUNDS; round++) {
      const { host } = await cluster.oneHost();
      expect(host).not.toBe(observer);
      await host.kill('SIGKILL');

      const after = await cluster.oneHost(30_000);
      expect(after.all).toHaveLength(HOSTABLE);
      expect(after.status.epoch).toBeGreaterThan(epoch);
      epoch = after.status.epoch;

      const survivors = cluster.alive();
      const writer = survivors[round % survivors.length] as Worker;
      const result = await writer.call<{ version: number; applied: boolean }>('patch', {
        update: { $set: { round }, $push: { log: round } },
      });
      expect(result.applied).toBe(true);
      await converged(cluster, result.version);
      const state = await observer.call<{ round: number; log: number[] }>('get');
      expect(state).toEqual({ round, log: Array.from({ length: round }, (_, i) => i + 1) });

      await cluster.start({}, defaults);
      expect(cluster.alive()).toHaveLength(HOSTABLE + 1);
    }

    // Every original still alive (the observer at least) saw the last round's write.
    const stillAlive = originals.filter((w) => !w.exited);
    expect(stillAlive).toContain(observer);
    for (const w of stillAlive) {
      await w.waitForEvent((e) => e.event === 'observed' && e.value === ROUNDS, 20_000);
      const seen = w.events.filter((e) => e.event === 'observed').map((e) => e.value as number);
      // A catch-up snapshot may skip values, but the order is never reversed.
      expect(seen).toEqual([...seen].sort((a, b) => a - b));
    }
    const final = await converged(cluster, 0);
    console.info(`failover: ${ROUNDS} rounds, final epoch ${epoch}, version ${final.version}`);
  });

  it('the new host killed as soon as it is elected, with writes in flight: nothing lost, nothing doubled', { timeout: 120_000 }, async () => {
    cluster = new Cluster();
    const defaults = { counter: 0 };
    for (let i = 0; i < HOSTABLE; i++) await cluster.start({}, defaults);
    const writer = (await cluster.start({ clientOnly: true }, defaults)).worker;
    await writer.call('observe', { path: 'counter' });
    const { host } = await cluster.oneHost();

    const count = 1000;
    let finished = false;
    const run = writer
      .call<{ applied: number; refused: number; reasons: Record<string, number> }>('patchMany', { update: { $inc: { counter: 1 } }, count, window: 8 }, 90_000)
      .finally(() => {
        finished = true;
      });
    run.catch(() => {});
    await writer.waitForEvent((e) => e.event === 'observed' && typeof e.value === 'number' && e.value >= count / 4, 30_000);
    expect(finished).toBe(false);

    const candidates = cluster.alive().filter((w) => w !== host && w !== writer);
    const marks = candidates.map((w) => w.events.length);
    await host.kill('SIGKILL');
    // Whoever wins next dies before (or while) it gathers the others' histories.
    const second = await Promise.any(
      candidates.map((w, i) => w.waitForEvent((e) => e.event === 'role' && e.role === 'host', 20_000, marks[i]).then(() => w)),
    );
    await second.kill('SIGKILL');

    const after = await cluster.oneHost(30_000);
    expect(after.all).toHaveLength(HOSTABLE - 1);
    expect(await run).toEqual({ applied: count, refused: 0, reasons: {} });
    await converged(cluster, count);
    expect(await writer.call('get', { path: 'counter' })).toBe(count);
  });
});
