/**
 * The CLI against a mesh that keeps its state in a store (options.storage): it joins (a
 * clientOnly peer given no store is let in; it never hosts, so never writes one), and
 * `status` names the host's store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, type Worker, type WorkerStatus } from '../../support/cluster.js';
import { runCli } from './cli-process.js';

describe('memsync CLI on a mesh with storage', () => {
  const store = mkdtempSync(join(tmpdir(), 'memsync-cli-store-'));
  let cluster: Cluster;
  let host: Worker;
  let other: Worker;
  let at: string[];

  beforeAll(async () => {
    cluster = new Cluster();
    const options = { storage: { path: store, sync: 'none' as const } };
    host = (await cluster.start(options, { hits: 1 })).worker;
    other = (await cluster.start(options)).worker;
    at = ['--dir', cluster.dir];
  });
  afterAll(async () => {
    await cluster?.[Symbol.asyncDispose]();
    rmSync(store, { recursive: true, force: true });
  });

  it('status reports the store, the host and each member with its role', async () => {
    const result = await runCli(['status', cluster.name, ...at]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { host: string; storage: string | null; members: { peer: string; role: string }[] };
    const [h, o] = await Promise.all([host.call<WorkerStatus>('status'), other.call<WorkerStatus>('status')]);
    expect(report.storage).toBe(`lmdb:${store}`);
    expect(report.host).toBe(h.id);
    expect(report.members.map(({ peer, role }) => ({ peer, role }))).toEqual(
      expect.arrayContaining([
        { peer: h.id, role: 'host' },
        { peer: o.id, role: 'client' },
      ]),
    );
  });

  it('get and patch work; a client that is not clientOnly still must name the store', async () => {
    const patched = await runCli(['patch', cluster.name, '{"$inc":{"hits":1}}', ...at]);
    expect(patched.code).toBe(0);
    const got = await runCli(['get', cluster.name, 'hits', ...at]);
    expect(got.code).toBe(0);
    expect(JSON.parse(got.stdout)).toBe(2);
    const stranger = await cluster.spawn();
    await expect(stranger.call('start', { name: cluster.name, defaults: {}, options: { dir: cluster.dir, timeout: 5000 } })).rejects.toThrow(
      /keeps its state in storage 'lmdb:.*'; this process was given no storage/,
    );
  });
});
