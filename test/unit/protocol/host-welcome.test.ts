import { afterEach, describe, expect, it } from 'vitest';
import { HOST_EPOCH, HostHarness, helloFrom } from './role-harness.js';

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A joiner may write only once every host-capable member knows of it: a next host that never
 * heard of it would not wait for it after a failover, and the writes it was told were ordered
 * would be lost when that host's gather closed (issue #9, case 1).
 */
/** The host's own `$inc` of n, submitted; the getter gives its outcome once it has settled. */
function ownWrite(h: HostHarness): () => unknown {
  let result: unknown;
  const patch = h.core.nextPatch({ update: { $inc: { n: 1 } } });
  h.core.propose(patch);
  void h.core.outbox.add(patch, { timeoutMs: 10_000 }).then((r) => (result = r));
  h.role.submitLocal(patch);
  return () => result;
}

describe('a host welcomes a joiner', () => {
  const harnesses: HostHarness[] = [];
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((h) => h.stop()));
  });

  it('at once, and tells it it is known only after every host-capable member acknowledged a list naming it', async () => {
    const h = new HostHarness();
    harnesses.push(h);
    await settle();
    const first = await h.join('first');
    const observer = h.connect();
    observer.deliver(helloFrom('observer', { clientOnly: true }));
    expect(observer.sentOf('welcome')).toHaveLength(1);
    // Member changes go out at the end of the turn (member-announcer.ts).
    await settle();
    // The observer cannot host: only `first` must know of it.
    first.deliver({ type: 'ack', epoch: HOST_EPOCH, version: 0, members: first.sentOf('members').at(-1)!.seq });
    expect(observer.sentOf('known')).toHaveLength(1);
    const joiner = h.connect();
    joiner.deliver(helloFrom('joiner'));
    // Welcomed before anyone heard of it, with every member the host knows of.
    const [welcome] = joiner.sentOf('welcome');
    expect((welcome!.members as Array<{ peer: string }>).map((m) => m.peer)).toEqual(['host', 'first', 'observer', 'joiner']);
    await settle();
    expect(joiner.sentOf('known')).toHaveLength(0);
    // The change that names it (a delta: members learn of joins one change at a time).
    const list = first.sentOf('members').at(-1)!;
    expect((list.joined as Array<{ peer: string }>).map((m) => m.peer)).toEqual(['joiner']);
    // The joiner could host: it acknowledges that list too (it was welcomed holding the one before).
    joiner.deliver({ type: 'ack', epoch: HOST_EPOCH, version: 0, members: list.seq });
    // A clientOnly member's acknowledgement is not enough, nor an older list's.
    observer.deliver({ type: 'ack', epoch: HOST_EPOCH, version: 0, members: list.seq });
    first.deliver({ type: 'ack', epoch: HOST_EPOCH, version: 0, members: (list.seq as number) - 1 });
    expect(joiner.sentOf('known')).toHaveLength(0);
    first.deliver({ type: 'ack', epoch: HOST_EPOCH, version: 0, members: list.seq });
    expect(joiner.sentOf('known')).toHaveLength(1);
  });

  it('refuses a submit from a joiner not yet known', async () => {
    const h = new HostHarness();
    harnesses.push(h);
    await settle();
    await h.join('first');
    const joiner = h.connect();
    joiner.deliver(helloFrom('joiner'));
    joiner.deliver({ type: 'submit', epoch: HOST_EPOCH, patches: [{ peer: 'joiner', seq: 1, ts: 1, update: { $inc: { n: 1 } } }] });
    await settle();
    expect(joiner.closed).toBe(true);
    expect(h.peerErrors.at(-1)?.error.message).toMatch(/before it was told it is known/);
    expect(h.core.replica.version).toBe(0);
  });

  it("counts a joiner's acknowledgement of the host's own write only once it is known", async () => {
    const h = new HostHarness();
    harnesses.push(h);
    await settle();
    const first = await h.join('first');
    const result = ownWrite(h);
    const joiner = h.connect();
    joiner.deliver(helloFrom('joiner'));
    await settle();
    // Only the joiner says it holds the write: nobody else knows of it yet, so a next host
    // might not wait for it, and the write is not acknowledged.
    joiner.deliver({ type: 'ack', epoch: HOST_EPOCH, version: 1, members: joiner.sentOf('members').at(-1)!.seq });
    await settle();
    expect(result()).toBeUndefined();
    // `first` learns of the joiner (holding nothing yet): the joiner is known, and what it said counts.
    first.deliver({ type: 'ack', epoch: HOST_EPOCH, version: 0, members: first.sentOf('members').at(-1)!.seq });
    expect(joiner.sentOf('known')).toHaveLength(1);
    await settle();
    expect(result()).toMatchObject({ version: 1, applied: true });
  });

  it("acknowledges the host's own write only once a member says it holds it", async () => {
    const h = new HostHarness();
    harnesses.push(h);
    await settle();
    const member = await h.join('member');
    const result = ownWrite(h);
    await settle();
    await settle();
    expect(result()).toBeUndefined();
    const entries = member.sentOf('entries').at(-1)!;
    expect(entries.ack).toBe(true);
    member.deliver({ type: 'ack', epoch: HOST_EPOCH, version: 1 });
    await settle();
    expect(result()).toMatchObject({ version: 1, applied: true });
  });

  it('refuses a hello claiming an epoch past any clock, instead of stepping down above it', async () => {
    const h = new HostHarness();
    harnesses.push(h);
    await settle();
    const forger = h.connect();
    forger.deliver(helloFrom('forger', { knownEpoch: Number.MAX_SAFE_INTEGER - 1 }));
    expect(forger.sentOf('refused')[0]?.message).toMatch(/past any clock/);
    expect(forger.closed).toBe(true);
    expect(h.role.epoch).toBe(HOST_EPOCH);
  });
});
