/**
 * The host sends each ordered batch to its members before it applies the batch to its own
 * replica (src/mesh/unapplied-entries.ts): what that changes (the moment of the apply) and
 * what it must not (numbering, exactly once, the acknowledgement of the host's own writes,
 * the order of what an observer of the host writes while a batch is applied).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { stringifyMessage } from '../../../src/transport/framing.js';
import type { OrderedPatch, Patch, PatchResult } from '../../../src/types.js';
import { HOST_EPOCH, HostHarness, type ScriptedConnection, settle } from './role-harness.js';

/** Entries the host sent to `conn`, in order. */
function entriesSentTo(conn: ScriptedConnection): OrderedPatch[] {
  return conn.sentOf('entries').flatMap((m) => m.entries as OrderedPatch[]);
}

function patchOf(peer: string, seq: number, update: Patch['update'] = { $inc: { n: 1 } }): Patch {
  return { peer, seq, ts: Date.now() * 1000, update };
}

describe('the host sends an ordered batch before it applies it', () => {
  const harnesses: HostHarness[] = [];
  async function host(): Promise<HostHarness> {
    const harness = new HostHarness();
    harnesses.push(harness);
    await settle();
    return harness;
  }
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((h) => h.stop()));
  });

  it('members are sent an entry while the host replica is still before it; it is applied right after', async () => {
    const h = await host();
    const writer = await h.join('writer');
    const reader = await h.join('reader');
    const versionAtSend: number[] = [];
    const send = reader.send.bind(reader);
    reader.send = (message: unknown) => {
      if ((JSON.parse(stringifyMessage(message)) as { type: string }).type === 'entries') versionAtSend.push(h.core.replica.version);
      send(message);
    };
    writer.deliver({ type: 'submit', epoch: HOST_EPOCH, patches: [patchOf('writer', 1)] });
    expect(h.core.replica.version).toBe(0);
    await settle();
    expect(entriesSentTo(reader).map((e) => e.version)).toEqual([1]);
    expect(versionAtSend).toEqual([0]);
    expect(h.core.replica.version).toBe(1);
    expect(h.core.replica.state).toEqual({ n: 1 });
  });

  it('numbers the entries of one turn one after another, and orders a patch sent twice in it once', async () => {
    const h = await host();
    const writer = await h.join('writer');
    const reader = await h.join('reader');
    const twice = patchOf('writer', 2);
    writer.deliver({ type: 'submit', epoch: HOST_EPOCH, patches: [patchOf('writer', 1), twice, twice] });
    writer.deliver({ type: 'submit', epoch: HOST_EPOCH, patches: [twice, patchOf('writer', 3)] });
    h.writeOwn({ $inc: { n: 10 } });
    await settle();
    const sent = entriesSentTo(reader);
    expect(sent.map((e) => e.version)).toEqual([1, 2, 3, 4]);
    expect(sent.map((e) => `${e.patch.peer}:${e.patch.seq}`).slice(0, 3)).toEqual(['writer:1', 'writer:2', 'writer:3']);
    expect(h.core.replica.version).toBe(4);
    expect(h.core.replica.state).toEqual({ n: 13 });
  });

  it("asks a member to acknowledge a batch holding the host's own write, and answers the write only then", async () => {
    const h = await host();
    const member = await h.join('member');
    const patch = h.core.nextPatch({ update: { $inc: { n: 1 } } });
    let result: PatchResult | undefined;
    void h.core.outbox.add(patch, { timeoutMs: 60_000 }).then((r) => (result = r));
    h.core.propose(patch);
    h.role.submitLocal(patch);
    await settle();
    const sent = member.sentOf('entries');
    expect(sent.at(-1)).toMatchObject({ ack: true, entries: [{ version: 1 }] });
    expect(result).toBeUndefined();
    member.deliver({ type: 'ack', epoch: HOST_EPOCH, version: 1 });
    await settle();
    expect(result).toEqual({ applied: true, version: 1 });
  });

  it('what an observer of the host writes while a batch is applied is ordered after that batch, however much', async () => {
    const h = await host();
    const writer = await h.join('writer');
    const reader = await h.join('reader');
    // As an observer of the host process would: forty own writes when the first entry applies
    // (more than a batch leaves at once with), before the second entry of the batch is applied.
    const apply = h.core.applyOrdered.bind(h.core);
    h.core.applyOrdered = (entry) => {
      const outcome = apply(entry);
      if (entry.version === 1) for (let i = 0; i < 40; i++) h.writeOwn({ $inc: { n: 10 } });
      return outcome;
    };
    writer.deliver({ type: 'submit', epoch: HOST_EPOCH, patches: [patchOf('writer', 1), patchOf('writer', 2)] });
    await settle();
    await settle();
    const versions = entriesSentTo(reader).map((e) => e.version);
    expect(versions).toEqual(Array.from({ length: 42 }, (_, i) => i + 1));
    expect(h.core.replica.version).toBe(42);
    expect(h.core.replica.state).toEqual({ n: 402 });
  });

  it("sends what a read ordered at the end of that read, before the turn's microtasks", async () => {
    const h = await host();
    const writer = await h.join('writer');
    const reader = await h.join('reader');
    writer.deliver({ type: 'submit', epoch: HOST_EPOCH, patches: [patchOf('writer', 1)] });
    writer.deliver({ type: 'submit', epoch: HOST_EPOCH, patches: [patchOf('writer', 2)] });
    expect(entriesSentTo(reader)).toHaveLength(0);
    writer.endRead();
    // One batch for the read, sent and applied at once.
    expect(reader.sentOf('entries')).toHaveLength(1);
    expect(entriesSentTo(reader).map((e) => e.version)).toEqual([1, 2]);
    expect(h.core.replica.version).toBe(2);
  });

  it('applies first when the one member wrote the whole batch: it is sent only its acknowledgement', async () => {
    const h = await host();
    const writer = await h.join('writer');
    const versionAtSend: number[] = [];
    const send = writer.send.bind(writer);
    writer.send = (message: unknown) => {
      if ((JSON.parse(stringifyMessage(message)) as { type: string }).type === 'entries') versionAtSend.push(h.core.replica.version);
      send(message);
    };
    writer.deliver({ type: 'submit', epoch: HOST_EPOCH, patches: [patchOf('writer', 1), patchOf('writer', 2)] });
    writer.endRead();
    expect(versionAtSend).toEqual([2]);
    // A batch that has news for the member (the host's own write) is sent first again.
    h.writeOwn({ $inc: { n: 10 } });
    await settle();
    expect(versionAtSend).toEqual([2, 2]);
    expect(h.core.replica.version).toBe(3);
  });
});
