/**
 * One mesh across Node versions: the host on this Node (20 in CI), clients on each binary in
 * MEMSYNC_NODES (colon-separated paths; .ci/run passes Node 22 and 24 from the npm registry).
 * Each round SIGKILLs whoever hosts, checks the survivors agree on exactly one host in a new
 * epoch, writes through each version and checks every replica holds the same state. Run by
 * `vitest run --config vitest.nodes.config.ts` (it is not part of `npm test`, which has one Node).
 */
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, until, type Worker } from '../support/cluster.js';

const ROUNDS = 3;

function binaries(): { path: string; version: string }[] {
  const extra = (process.env.MEMSYNC_NODES ?? '').split(':').filter(Boolean);
  const all = [process.execPath, ...extra].map((path) => ({
    path,
    version: execFileSync(path, ['--version'], { encoding: 'utf8' }).trim(),
  }));
  const majors = new Set(all.map((b) => b.version.split('.')[0]));
  if (majors.size < 3)
    throw new Error(`MEMSYNC_NODES must name two Node binaries of other majors than ${process.version}; got ${all.map((b) => b.version).join(', ')}`);
  return all;
}

interface Digest {
  sha256: string;
  version: number;
}

async function converged(cluster: Cluster, version: number): Promise<void> {
  let digests: Digest[] = [];
  await until(
    async () => {
      digests = await Promise.all(cluster.alive().map((w) => w.call<Digest>('digest')));
      const first = digests[0];
      return first !== undefined && first.version >= version && digests.every((d) => d.sha256 === first.sha256 && d.version === first.version);
    },
    30_000,
    () => `replicas converged at version ${version} (last: ${JSON.stringify(digests)})`,
  );
}

describe('a mesh of processes on Node 20, 22 and 24', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.[Symbol.asyncDispose]();
    cluster = undefined;
  });

  it('elects one host at a time across versions, through host kills; all agree', { timeout: 120_000 }, async () => {
    const nodes = binaries();
    cluster = new Cluster();
    const nodeOf = new Map<Worker, string>();
    const start = async (binary: { path: string; version: string }) => {
      const { worker, role } = await cluster!.start({}, { hits: 0, by: {} }, binary.path);
      const ready = await worker.waitForEvent((e) => e.event === 'ready');
      expect(ready.node).toBe(binary.version);
      nodeOf.set(worker, binary.version);
      return role;
    };
    // The host on this Node; then two clients on each other version.
    expect(await start(nodes[0]!)).toBe('host');
    for (const binary of nodes.slice(1)) {
      expect(await start(binary)).toBe('client');
      expect(await start(binary)).toBe('client');
    }
    let epoch = (await cluster.oneHost()).status.epoch;
    const hostedOn: string[] = [];
    let expectedHits = 0;

    for (let round = 1; round <= ROUNDS; round++) {
      const { host } = await cluster.oneHost();
      const killed = nodeOf.get(host)!;
      hostedOn.push(killed);
      await host.kill('SIGKILL');

      const after = await cluster.oneHost(30_000);
      expect(after.status.epoch).toBeGreaterThan(epoch);
      epoch = after.status.epoch;

      // One write from a process of each version still alive.
      const writers = [...new Map(cluster.alive().map((w) => [nodeOf.get(w), w])).values()];
      const results = await Promise.all(
        writers.map((w) => w.call<{ version: number; applied: boolean }>('patch', { update: { $inc: { hits: 1 }, $set: { [`by.${nodeOf.get(w)!.replaceAll('.', '_')}`]: round } } })),
      );
      expectedHits += writers.length;
      expect(results.every((r) => r.applied)).toBe(true);
      await converged(cluster, Math.max(...results.map((r) => r.version)));
      const state = await writers[0]!.call<{ hits: number }>('get');
      expect(state.hits).toBe(expectedHits);

      // A replacement on the version just killed keeps every version in the mesh.
      await start(nodes.find((b) => b.version === killed)!);
      await cluster.oneHost();
    }
    expect(hostedOn[0]).toBe(nodes[0]!.version);
    console.log(`mixed mesh: hosts killed ran on ${hostedOn.join(', ')}; final epoch ${epoch}`);
  });
});
