/**
 * Joins must cost the same whatever the mesh's size. Every join used to send the whole member
 * list to every member: 400 joining peers cost the host 5.7 s of CPU, 800 cost 38 s, and 800
 * that did not read held 7.3 GB. A member here is a raw peer that records what the host sends
 * it while others join and leave: each change arrives as one small delta, never the list.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until, type WorkerStatus } from '../../support/cluster.js';
import { HostileMesh } from './hostile-mesh.js';
import { helloFor, type RawPeer } from './raw-peer.js';

describe('membership changes', () => {
  let mesh: HostileMesh;
  beforeAll(async () => {
    mesh = await HostileMesh.start({}, 1);
  });
  afterAll(async () => {
    await mesh?.[Symbol.asyncDispose]();
  });

  it('reach every member as deltas of the change alone', { timeout: 90_000 }, async () => {
    const watcher: RawPeer = await mesh.attacker();
    watcher.send(helloFor(mesh.name, 'watcher'));
    const welcome = await watcher.next('welcome');
    expect(welcome.members).toHaveLength(3);
    const joining = 4;
    const started = [];
    for (let i = 0; i < joining; i++) started.push(await mesh.cluster.start());
    const ids = await Promise.all(started.map(async (s) => (await s.worker.call<WorkerStatus>('status')).id));
    await started[0]!.worker.kill();
    // Welcomed at once, the watcher is also sent the delta that names it to the others first.
    const deltas = () => watcher.messages.filter((m) => m.type === 'members').slice(1);
    await until(() => deltas().length >= joining + 1, 20_000);
    expect(watcher.messages.find((m) => m.type === 'members')?.joined).toEqual([expect.objectContaining({ peer: 'watcher' })]);
    const changes = deltas();
    for (const change of changes) {
      expect(change).not.toHaveProperty('members');
      expect((change.joined as unknown[]).length + (change.left as unknown[]).length).toBe(1);
    }
    expect(changes.slice(0, joining).map((c) => (c.joined as { peer: string }[])[0]?.peer)).toEqual(ids);
    expect(changes[joining]?.left).toEqual([ids[0]]);
    // The members applying those deltas agree with the host on who is in the mesh.
    const membersOf = async (worker: (typeof mesh.honest)[number]) =>
      (await worker.call<{ members: { peer: string }[] }>('status')).members.map((m) => m.peer).sort();
    const survivor = started[joining - 1]!.worker;
    let seen: string[][] = [];
    await until(
      async () => {
        seen = [await membersOf(mesh.host), await membersOf(survivor), await membersOf(mesh.clients[0]!)];
        return seen.every((list) => JSON.stringify(list) === JSON.stringify(seen[0])) && seen[0]!.length === 6;
      },
      20_000,
      () => `host and clients agree on six members (saw ${JSON.stringify(seen)})`,
    );
    expect(seen[0]).toContain('watcher');
    expect(seen[0]).not.toContain(ids[0]);
    watcher.destroy();
  });
});
