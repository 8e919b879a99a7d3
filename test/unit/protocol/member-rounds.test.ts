/**
 * What joins cost a host in messages (#11; mesh/member-announcer.ts). Sent one by one, k joins
 * cost every member k deltas and the host k acknowledgements from each, so N joins were O(N^2)
 * small messages. Counted here, not timed: a burst is one delta per member and one
 * acknowledgement from each; joins that come while a round is being acknowledged go out
 * together when it closes; and a joiner is welcomed at once, not after a round, so joiners that
 * each wait for their welcome keep joining while a round is open. No joiner is *known* (may
 * write) before every host-capable member acknowledged a list that names it (host-welcome.test.ts).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HOST_EPOCH, HostHarness, helloFrom, type ScriptedConnection, settle, waitFor } from './role-harness.js';

const ack = (conn: ScriptedConnection): void => {
  const seq = conn.sentOf('members').at(-1)?.seq;
  conn.deliver({ type: 'ack', epoch: HOST_EPOCH, version: 0, members: seq });
};
const joinedIn = (message: Record<string, unknown> | undefined): string[] =>
  ((message?.joined ?? []) as Array<{ peer: string }>).map((m) => m.peer);

describe('member changes, counted', () => {
  const harnesses: HostHarness[] = [];
  afterEach(async () => {
    vi.useRealTimers();
    await Promise.all(harnesses.splice(0).map((h) => h.stop()));
  });

  async function withMembers(ids: string[]): Promise<{ h: HostHarness; members: ScriptedConnection[] }> {
    const h = new HostHarness();
    harnesses.push(h);
    await settle();
    const members: ScriptedConnection[] = [];
    for (const id of ids) members.push(await h.join(id));
    // Each has acknowledged every list but the one naming the last: acknowledge that too.
    for (const member of members) ack(member);
    return { h, members };
  }

  it('a burst of joins in one turn is one delta to each member and one acknowledgement from each', async () => {
    const { members } = await withMembers(['a', 'b', 'c']);
    const before = members.map((m) => m.sentOf('members').length);
    const joiners = Array.from({ length: 10 }, (_, i) => ({ id: `j${i}`, conn: members[0]! }));
    const h = harnesses[0]!;
    for (const joiner of joiners) {
      joiner.conn = h.connect();
      joiner.conn.deliver(helloFrom(joiner.id));
    }
    await settle();
    members.forEach((m, i) => expect(m.sentOf('members').length - before[i]!).toBe(1));
    for (const m of members) expect(joinedIn(m.sentOf('members').at(-1))).toEqual(joiners.map((j) => j.id));
    // Each was welcomed at once, with every member the host knew of by then.
    joiners.forEach((joiner, i) => {
      const [welcome] = joiner.conn.sentOf('welcome');
      expect((welcome?.members as unknown[]).length).toBe(1 + members.length + i + 1);
      // And the same delta as the members: one, which brings its list up to date.
      expect(joiner.conn.sentOf('members')).toHaveLength(1);
    });
    // Nobody is known until every host-capable member (the joiners too) says it knows of them.
    for (const joiner of joiners) ack(joiner.conn);
    ack(members[0]!);
    ack(members[1]!);
    for (const joiner of joiners) expect(joiner.conn.sentOf('known')).toHaveLength(0);
    ack(members[2]!);
    for (const joiner of joiners) expect(joiner.conn.sentOf('known')).toHaveLength(1);
    await settle();
    // Nothing else went out: no delta per joiner, to the members or to the joiners.
    members.forEach((m, i) => expect(m.sentOf('members').length - before[i]!).toBe(1));
    for (const joiner of joiners) expect(joiner.conn.sentOf('members')).toHaveLength(1);
  });

  it('joins arriving while a round is acknowledged wait, and go out as one delta when it closes', async () => {
    const { h, members } = await withMembers(['a', 'b']);
    const before = members.map((m) => m.sentOf('members').length);
    const first = h.connect();
    first.deliver(helloFrom('x'));
    await settle();
    // Three more, each in a turn of its own, while the round naming x is open.
    const later: ScriptedConnection[] = [];
    for (const id of ['y', 'z', 'w']) {
      const conn = h.connect();
      conn.deliver(helloFrom(id));
      later.push(conn);
      await settle();
    }
    members.forEach((m, i) => expect(m.sentOf('members').length - before[i]!).toBe(1));
    // Welcomed at once all the same; none is known yet.
    for (const conn of [first, ...later]) expect(conn.sentOf('welcome')).toHaveLength(1);
    for (const conn of [...members, first]) ack(conn);
    expect(first.sentOf('known')).toHaveLength(1);
    for (const conn of later) expect(conn.sentOf('known')).toHaveLength(0);
    // At the end of the turn (or after a rest, if that round was slow: member-announcer.ts).
    await waitFor(() => members[0]!.sentOf('members').length - before[0]! === 2, 'the next delta');
    // One delta for the three, to the members, to x and to themselves.
    for (const conn of [...members, first, ...later]) {
      expect(joinedIn(conn.sentOf('members').at(-1))).toEqual(['y', 'z', 'w']);
    }
    members.forEach((m, i) => expect(m.sentOf('members').length - before[i]!).toBe(2));
    for (const conn of [...members, first, ...later]) ack(conn);
    for (const conn of later) expect(conn.sentOf('known')).toHaveLength(1);
  });

  it('joiners that each wait for their welcome cost members the same deltas, however many members there are', async () => {
    // A round stays open while members acknowledge (in a real mesh, the longer the larger
    // it is): joiners that each connect only once the one before was welcomed keep coming.
    const deltasPerJoin = async (n: number): Promise<number> => {
      const { h, members } = await withMembers(Array.from({ length: n }, (_, i) => `m${i}`));
      const before = members.reduce((sum, m) => sum + m.sentOf('members').length, 0);
      const joiners: ScriptedConnection[] = [];
      for (let i = 0; i < 2 * n; i++) {
        const conn = h.connect();
        conn.deliver(helloFrom(`j${i}`));
        if (conn.sentOf('welcome').length !== 1) throw new Error(`j${i} waits for a round to be welcomed`);
        joiners.push(conn);
        await settle();
      }
      // The members acknowledge the round open all this time, then the one that follows.
      const sent = members[0]!.sentOf('members').length;
      for (let round = 0; round < 2; round++) {
        for (const conn of [...members, ...joiners]) ack(conn);
        await waitFor(() => round > 0 || members[0]!.sentOf('members').length === sent + 1, 'the next delta');
      }
      for (const conn of joiners) expect(conn.sentOf('known')).toHaveLength(1);
      const after = members.reduce((sum, m) => sum + m.sentOf('members').length, 0);
      return (after - before) / (2 * n);
    };
    // Two deltas per member (the open round's and one for all who came during it): 1 per join.
    expect(await deltasPerJoin(5)).toBe(1);
    expect(await deltasPerJoin(40)).toBe(1);
  });

  it('a join and a leave in one turn net out; a member that left is named once', async () => {
    const { h, members } = await withMembers(['a', 'b']);
    const before = members[0]!.sentOf('members').length;
    const brief = h.connect();
    brief.deliver(helloFrom('brief'));
    members[1]!.close();
    brief.close();
    const stays = h.connect();
    stays.deliver(helloFrom('stays'));
    await settle();
    await settle();
    const sent = members[0]!.sentOf('members').slice(before);
    expect(sent).toHaveLength(1);
    expect(joinedIn(sent[0])).toEqual(['stays']);
    expect((sent[0]!.left as string[]).sort()).toEqual(['b', 'brief']);
  });

  it('a member that does not acknowledge a round in time is cut off, and the joiners go in', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const { h, members } = await withMembers(['a', 'b']);
    const joiner = h.connect();
    joiner.deliver(helloFrom('j'));
    await settle();
    ack(members[0]!);
    ack(joiner);
    vi.advanceTimersByTime(1999);
    expect(members[1]!.closed).toBe(false);
    expect(joiner.sentOf('known')).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(members[1]!.closed).toBe(true);
    expect(h.peerErrors.map((e) => e.peer)).toEqual(['b']);
    await settle();
    expect(joiner.sentOf('known')).toHaveLength(1);
    expect(members[0]!.closed).toBe(false);
  });
});
