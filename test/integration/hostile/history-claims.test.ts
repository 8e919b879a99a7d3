/**
 * #9 item 6 (b): a gathering host adopts the longest history a returning member claims, and
 * pushes it to everyone. A peer claiming version 1e9 got its forged snapshot pushed to every
 * replica; with a huge epoch in it, no later entry could outrank it and the mesh accepted no
 * write again. A claim is now bounded by what the claimant could have seen: epochs below the
 * new host's, and a whole state only from a proved member of the previous epoch.
 *
 * Each case holds the new host's gather open: a clientOnly member is SIGSTOPped (the gather
 * waits for it while it is alive), the host is SIGKILLed, the other process takes over.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, until, type Worker, type WorkerStatus } from '../../support/cluster.js';
import { helloFor, RawPeer } from './raw-peer.js';

const HUGE_EPOCH = Number.MAX_SAFE_INTEGER - 10;

interface Staged {
  next: Worker;
  member: Worker;
  path: string;
  /** A raw peer that joined the old host as a member (its token proves it was one). */
  insider: { id: string; token: string };
}

describe('history claims during a gather', () => {
  let cluster: Cluster | undefined;
  const raw: RawPeer[] = [];
  afterEach(async () => {
    for (const peer of raw.splice(0)) peer.destroy();
    for (const w of cluster?.alive() ?? []) w.signal('SIGCONT');
    await cluster?.[Symbol.asyncDispose]();
    cluster = undefined;
  });

  async function connect(path: string): Promise<RawPeer> {
    const peer = await RawPeer.connect(path);
    raw.push(peer);
    return peer;
  }

  /** Host, next host, a clientOnly writer and a raw insider; the host dies, the gather waits. */
  async function stage(): Promise<Staged> {
    cluster = new Cluster();
    const options = { timeout: 30_000, hostTimeout: 1_000 };
    const host = await cluster.start(options, { n: 0 });
    const next = await cluster.start(options, { n: 0 });
    const member = await cluster.start({ ...options, clientOnly: true }, { n: 0 });
    await cluster.oneHost(20_000);
    for (let i = 0; i < 3; i++) await member.worker.call('patch', { update: { $inc: { n: 1 } } });
    const status = await next.worker.call<WorkerStatus>('status');
    if (status.address.kind !== 'unix' || status.address.path === undefined) throw new Error('not a Unix socket mesh');
    const path = status.address.path;
    const insider = { id: 'insider', token: 'insider-token-0123456789' };
    const joined = await connect(path);
    joined.send(helloFor(cluster.name, insider.id, { token: insider.token }));
    await joined.next('welcome');
    await until(async () => (await next.worker.call<{ members: { peer: string }[] }>('status')).members.some((m) => m.peer === insider.id), 10_000, 'the insider known');
    member.worker.signal('SIGSTOP');
    await host.worker.kill();
    joined.destroy();
    await until(async () => (await next.worker.call<WorkerStatus>('status')).role === 'host', 20_000, 'the next host');
    return { next: next.worker, member: member.worker, path, insider };
  }

  /** Sends a forged whole state (n: 999) at `version` and `epoch`, as asked for by the host. */
  function uploadForged(peer: RawPeer, epoch: number, version: number, snapshotEpoch: number): void {
    peer.send({
      type: 'snapshot',
      epoch,
      part: 0,
      last: true,
      entries: [['n', 999], ['forged', true]],
      meta: { version, epoch: snapshotEpoch, stamps: [], seqs: [] },
    });
  }

  /** After the attack: the member runs again, the gather ends, writes go on, nothing forged anywhere. */
  async function expectHonest(staged: Staged): Promise<void> {
    staged.member.signal('SIGCONT');
    const result = await staged.member.call<{ applied: boolean; version: number }>('patch', { update: { $inc: { n: 1 } }, timeout: 10_000 });
    expect(result).toEqual({ applied: true, version: 4 });
    for (const worker of [staged.next, staged.member]) {
      await until(async () => (await worker.call<WorkerStatus>('status')).version === 4, 10_000, 'version 4');
      expect(await worker.call('get')).toEqual({ n: 4 });
    }
  }

  it('a peer that was no member claims version 1e9: not believed', { timeout: 90_000 }, async () => {
    const staged = await stage();
    const forger = await connect(staged.path);
    forger.send(helloFor(cluster!.name, 'forger', { version: 1e9, entryEpoch: HUGE_EPOCH, knownEpoch: 1 }));
    const welcome = await forger.next('welcome');
    // Asked for its history, it sends the forged state; not asked, it is sent ours.
    const answer = await Promise.race([forger.next('request-history'), forger.next('snapshot')]);
    if (answer.type === 'request-history') uploadForged(forger, Number(welcome.epoch), 1e9, HUGE_EPOCH);
    await expectHonest(staged);
    expect(answer.type).toBe('snapshot');
  });

  it('a member of the previous epoch sends a state of a huge epoch: cut off, not adopted', { timeout: 90_000 }, async () => {
    const staged = await stage();
    const forger = await connect(staged.path);
    const { id, token } = staged.insider;
    // Its hello claims an honest-looking epoch (below the new host's)...
    const current = (await staged.next.call<WorkerStatus>('status')).epoch;
    forger.send(helloFor(cluster!.name, id, { token, version: 1e9, entryEpoch: 1, knownEpoch: 1 }));
    const welcome = await forger.next('welcome');
    expect(Number(welcome.epoch)).toBe(current);
    await forger.next('request-history');
    // ...and its state another, past every later one.
    uploadForged(forger, Number(welcome.epoch), 1e9, HUGE_EPOCH);
    await forger.waitClosed(10_000);
    await expectHonest(staged);
  });
});
