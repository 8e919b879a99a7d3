/**
 * The roles speak protocol 9's compact frames (protocol/compact.ts): a member's compact
 * submit is admitted exactly as its JSON form is, forgeries are refused, and a hello of an
 * older protocol is turned away.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { encodeSubmit } from '../../../src/protocol/compact.js';
import { PROTOCOL_VERSIONS } from '../../../src/protocol/messages.js';
import type { Patch } from '../../../src/types.js';
import { ClientHarness, HOST_EPOCH, HostHarness, helloFrom, settle } from './role-harness.js';

const FRAME = 8 << 20;

function patches(peer: string, count: number): Patch[] {
  const ts = Date.now() * 1000;
  return Array.from({ length: count }, (_, i) => ({ peer, seq: i + 1, ts: ts + i, update: { $inc: { n: 1 } } }));
}

describe('compact frames between the roles', () => {
  const hosts: HostHarness[] = [];
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((h) => h.stop()));
  });

  async function hostWith(...ids: string[]): Promise<{ host: HostHarness; conns: Awaited<ReturnType<HostHarness['join']>>[] }> {
    const host = new HostHarness();
    hosts.push(host);
    await settle();
    const conns = [];
    for (const id of ids) conns.push(await host.join(id));
    return { host, conns };
  }

  it('a compact submit is ordered, applied and broadcast as its JSON form would be', async () => {
    const { host, conns } = await hostWith('w', 'r');
    conns[0]!.deliverFrame(encodeSubmit(HOST_EPOCH, patches('w', 3), FRAME)!);
    conns[0]!.endRead();
    await settle();
    expect(conns[0]!.closed).toBe(false);
    expect(host.core.replica.state).toEqual({ n: 3 });
    const seen = conns[1]!.sentOf('entries').flatMap((m) => m.entries as Array<{ version: number; patch: Patch }>);
    expect(seen.map((e) => [e.version, e.patch.peer, e.patch.seq])).toEqual([
      [1, 'w', 1],
      [2, 'w', 2],
      [3, 'w', 3],
    ]);
  });

  it('a compact submit naming another writer is refused: cut off, nothing ordered', async () => {
    const { host, conns } = await hostWith('w', 'victim');
    conns[0]!.deliverFrame(encodeSubmit(HOST_EPOCH, patches('victim', 1), FRAME)!);
    await settle();
    expect(conns[0]!.closed).toBe(true);
    expect(conns[0]!.closeError?.message).toMatch(/must carry its sender as peer/);
    expect(host.core.replica.version).toBe(0);
  });

  it('a compact submit of another epoch, or before hello, is refused', async () => {
    const { conns } = await hostWith('w');
    conns[0]!.deliverFrame(encodeSubmit(HOST_EPOCH + 1, patches('w', 1), FRAME)!);
    await settle();
    expect(conns[0]!.closeError?.message).toMatch(/submit for epoch/);
    const host = hosts[0]!;
    const stranger = host.connect();
    stranger.deliverFrame(encodeSubmit(HOST_EPOCH, patches('s', 1), FRAME)!);
    await settle();
    expect(stranger.closeError?.message).toMatch(/'submit' before hello/);
    expect(host.core.replica.version).toBe(0);
  });

  it('a client sends its writes as one compact submit', async () => {
    const client = new ClientHarness();
    const sent: unknown[] = [];
    const send = client.conn.send.bind(client.conn);
    client.conn.send = (message: unknown): void => {
      sent.push(message);
      send(message);
    };
    for (let i = 0; i < 3; i++) {
      const patch = client.core.nextPatch({ update: { $inc: { n: 1 } } });
      client.core.propose(patch);
      void client.core.outbox.add(patch, { timeoutMs: 10_000 }).catch(() => {});
      client.role.submit([patch]);
    }
    await settle();
    const submits = sent.filter((m) => (m as { constructor: { name: string } }).constructor.name === 'BinaryFrame');
    expect(submits).toHaveLength(1);
    // Its JSON form (what the scripted connection recorded) is the plain submit.
    const [plain] = client.conn.sentOf('submit');
    const seqs = (plain!.patches as Patch[]).map((p) => p.seq);
    expect((plain!.patches as Patch[]).map((p) => p.peer)).toEqual(['client', 'client', 'client']);
    expect(seqs).toEqual([seqs[0], seqs[0]! + 1, seqs[0]! + 2]);
    client.role.close();
  });

  it('turns away a hello of protocol 10 (no common version: its readers cannot parse a repeated body) and welcomes one of 11', async () => {
    expect(PROTOCOL_VERSIONS).toEqual([11]);
    const { host } = await hostWith();
    const old = host.connect();
    old.deliver(helloFrom('old', { protocols: [10, 9] }));
    await settle();
    expect(old.sentOf('refused')[0]).toMatchObject({ message: expect.stringMatching(/no common protocol version/) });
    expect(old.sentOf('welcome')).toHaveLength(0);
    const current = host.connect();
    current.deliver(helloFrom('current', { protocols: [11] }));
    expect(current.sentOf('welcome')).toHaveLength(1);
  });
});
