/**
 * What a burst of joins costs a host in messages (#11; mesh/member-announcer.ts). Sent one by
 * one, k joins cost every member k deltas and the host k acknowledgements from each, so N
 * joins were O(N^2) small messages. Counted here, not timed: a burst is one delta per member
 * and one acknowledgement from each, and joins that come while a round is being acknowledged
 * go out together when it closes. No joiner is welcomed before every host-capable member
 * acknowledged a list that names it (host-welcome.test.ts).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HOST_EPOCH, HostHarness, helloFrom, type ScriptedConnection, settle } from './role-harness.js';

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
    // Nobody is welcomed until every host-capable member says it knows of them.
    ack(members[0]!);
    ack(members[1]!);
    for (const joiner of joiners) expect(joiner.conn.sentOf('welcome')).toHaveLength(0);
    ack(members[2]!);
    const seq = members[0]!.sentOf('members').at(-1)!.seq;
    for (const joiner of joiners) {
      const [welcome] = joiner.conn.sentOf('welcome');
      expect(welcome?.membersSeq).toBe(seq);
      expect((welcome?.members as unknown[]).length).toBe(1 + members.length + joiners.length);
    }
    await settle();
    // Nothing else went out: no delta per joiner, to the members or to the joiners.
    members.forEach((m, i) => expect(m.sentOf('members').length - before[i]!).toBe(1));
    for (const joiner of joiners) expect(joiner.conn.sentOf('members')).toHaveLength(0);
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
    for (const m of members) ack(m);
    expect(first.sentOf('welcome')).toHaveLength(1);
    for (const conn of later) expect(conn.sentOf('welcome')).toHaveLength(0);
    await settle();
    // One delta for the three, to the members and to x, now one of them.
    for (const conn of [...members, first]) {
      expect(joinedIn(conn.sentOf('members').at(-1))).toEqual(['y', 'z', 'w']);
    }
    members.forEach((m, i) => expect(m.sentOf('members').length - before[i]!).toBe(2));
    for (const conn of [...members, first]) ack(conn);
    for (const conn of later) expect(conn.sentOf('welcome')).toHaveLength(1);
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
    vi.advanceTimersByTime(1999);
    expect(members[1]!.closed).toBe(false);
    expect(joiner.sentOf('welcome')).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(members[1]!.closed).toBe(true);
    expect(h.peerErrors.map((e) => e.peer)).toEqual(['b']);
    await settle();
    expect(joiner.sentOf('welcome')).toHaveLength(1);
    expect(members[0]!.closed).toBe(false);
  });
});
