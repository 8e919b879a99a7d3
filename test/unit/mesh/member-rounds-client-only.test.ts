/**
 * Joins into a mesh where no member but the host could host (#11): nobody has to know of a
 * joiner before it may write, so no acknowledgement paced the member rounds, and every join
 * sent a delta to every member at once: N joins cost O(N^2) messages, as before protocol 7.
 * Now the clientOnly members' acknowledgements pace the rounds there (member-announcer.ts),
 * and a joiner is known at once.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HOST_EPOCH, HostHarness, helloFrom, type ScriptedConnection, settle, waitFor } from '../protocol/role-harness.js';

const ack = (conn: ScriptedConnection): void => {
  const seq = conn.sentOf('members').at(-1)?.seq;
  if (seq !== undefined) conn.deliver({ type: 'ack', epoch: HOST_EPOCH, version: 0, members: seq });
};

describe('member rounds with clientOnly members only', () => {
  const harnesses: HostHarness[] = [];
  afterEach(async () => {
    vi.useRealTimers();
    await Promise.all(harnesses.splice(0).map((h) => h.stop()));
  });

  /** A clientOnly joiner: welcomed and known at once, before any delta names it. */
  function joinClientOnly(h: HostHarness, id: string): ScriptedConnection {
    const conn = h.connect();
    conn.deliver(helloFrom(id, { clientOnly: true }));
    expect(conn.sentOf('welcome')).toHaveLength(1);
    expect(conn.sentOf('known')).toHaveLength(1);
    return conn;
  }

  async function withMembers(n: number): Promise<{ h: HostHarness; members: ScriptedConnection[] }> {
    const h = new HostHarness();
    harnesses.push(h);
    await settle();
    const members: ScriptedConnection[] = [];
    for (let i = 0; i < n; i++) {
      members.push(joinClientOnly(h, `m${i}`));
      await settle();
      await waitFor(() => members.every((m) => m.sentOf('members').length > 0), 'the delta naming the member');
      for (const member of members) ack(member);
    }
    return { h, members };
  }

  it('joiners that each wait for their welcome cost members the same deltas, however many members there are', async () => {
    const deltasPerJoin = async (n: number): Promise<number> => {
      const { h, members } = await withMembers(n);
      await settle();
      const before = members.reduce((sum, m) => sum + m.sentOf('members').length, 0);
      const joiners: ScriptedConnection[] = [];
      for (let i = 0; i < 2 * n; i++) {
        joiners.push(joinClientOnly(h, `j${i}`));
        await settle();
      }
      // The first opened a round; the members acknowledge it, and the one that follows.
      const sent = members[0]!.sentOf('members').length;
      for (let round = 0; round < 2; round++) {
        for (const conn of [...members, ...joiners]) ack(conn);
        await waitFor(() => round > 0 || members[0]!.sentOf('members').length === sent + 1, 'the next delta');
      }
      const after = members.reduce((sum, m) => sum + m.sentOf('members').length, 0);
      // Every member now knows of every joiner.
      const named = new Set(members[0]!.sentOf('members').flatMap((m) => (m.joined as { peer: string }[]).map((j) => j.peer)));
      for (let i = 0; i < 2 * n; i++) expect(named.has(`j${i}`)).toBe(true);
      return (after - before) / (2 * n);
    };
    expect(await deltasPerJoin(5)).toBe(1);
    expect(await deltasPerJoin(40)).toBe(1);
  });

  it('a clientOnly member that does not acknowledge closes its round in time, and is not cut off', async () => {
    const { h, members } = await withMembers(2);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const first = joinClientOnly(h, 'x');
    await settle();
    const sent = members[0]!.sentOf('members').length;
    const second = joinClientOnly(h, 'y');
    await settle();
    // members[1] is silent: the round naming x stays open, and y waits for it.
    ack(members[0]!);
    ack(first);
    ack(second);
    await settle();
    expect(members[0]!.sentOf('members')).toHaveLength(sent);
    vi.advanceTimersByTime(2000);
    await settle();
    expect(members[0]!.sentOf('members')).toHaveLength(sent);
    // The rest that follows a round as long as it took (at most 1 s), then y goes out.
    vi.advanceTimersByTime(1000);
    await settle();
    expect(members[1]!.closed).toBe(false);
    expect(h.peerErrors).toEqual([]);
    expect(members[0]!.sentOf('members')).toHaveLength(sent + 1);
    expect((members[0]!.sentOf('members').at(-1)!.joined as { peer: string }[]).map((j) => j.peer)).toEqual(['y']);
  });
});
