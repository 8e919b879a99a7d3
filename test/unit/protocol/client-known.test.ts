/**
 * A joiner is welcomed at once but is not known to every host-capable member until the host
 * says so (`known`, protocol 7): a next host might not wait for it after a failover. Until
 * then it sends no patch, and reports none of its own writes as acknowledged, not even one a
 * previous host ordered that reaches it in the catch-up (#9 item 1, #11).
 */
import { describe, expect, it } from 'vitest';
import type { PatchResult } from '../../../src/types.js';
import { ClientHarness, HOST_EPOCH, settle } from './role-harness.js';

function ownWrite(client: ClientHarness): { seq: number; result: () => PatchResult | undefined } {
  const patch = client.core.nextPatch({ update: { $inc: { n: 1 } } });
  client.core.propose(patch);
  let result: PatchResult | undefined;
  void client.core.outbox.add(patch, { timeoutMs: 10_000 }).then((r) => (result = r));
  client.role.submit([patch]);
  return { seq: patch.seq, result: () => result };
}

describe('a joiner not yet known', () => {
  it('holds its patches until the host says it is known, then sends them', async () => {
    const client = new ClientHarness({ n: 0 }, 0, false);
    const write = ownWrite(client);
    await settle();
    expect(client.conn.sentOf('submit')).toHaveLength(0);
    client.conn.deliver({ type: 'known', epoch: HOST_EPOCH });
    await settle();
    const [submit] = client.conn.sentOf('submit');
    expect((submit?.patches as Array<{ seq: number }>).map((p) => p.seq)).toEqual([write.seq]);
  });

  it('does not acknowledge an own write ordered before, until it is known', async () => {
    const client = new ClientHarness({ n: 0 }, 0, false);
    const write = ownWrite(client);
    // A previous host ordered it; this host holds it and sends it in the catch-up.
    const entry = { version: 1, epoch: HOST_EPOCH - 1, patch: { peer: 'client', seq: write.seq, ts: 1, update: { $inc: { n: 1 } } } };
    client.conn.deliver({ type: 'entries', epoch: HOST_EPOCH, entries: [entry] });
    await settle();
    expect(client.core.replica.version).toBe(1);
    expect(write.result()).toBeUndefined();
    client.conn.deliver({ type: 'known', epoch: HOST_EPOCH });
    await settle();
    expect(write.result()).toMatchObject({ applied: true, version: 1 });
    // Already ordered: not sent again.
    expect(client.conn.sentOf('submit')).toHaveLength(0);
  });

  it('keeps such a write unacknowledged when the host is lost before it said so', async () => {
    const client = new ClientHarness({ n: 0 }, 0, false);
    const write = ownWrite(client);
    const entry = { version: 1, epoch: HOST_EPOCH - 1, patch: { peer: 'client', seq: write.seq, ts: 1, update: { $inc: { n: 1 } } } };
    client.conn.deliver({ type: 'entries', epoch: HOST_EPOCH, entries: [entry], holds: 1 });
    client.conn.close();
    await settle();
    expect(client.lost).toBeDefined();
    expect(write.result()).toBeUndefined();
  });

  it("refuses a second 'known', or one for another epoch", async () => {
    const twice = new ClientHarness();
    twice.conn.deliver({ type: 'known', epoch: HOST_EPOCH });
    await settle();
    expect(twice.conn.closed).toBe(true);
    const other = new ClientHarness({ n: 0 }, 0, false);
    other.conn.deliver({ type: 'known', epoch: HOST_EPOCH + 1 });
    await settle();
    expect(other.conn.closed).toBe(true);
  });
});
