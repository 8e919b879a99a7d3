/**
 * #9 item 6 at the host role: ids bound to a token (mesh/identity.ts) and history claims
 * bounded by what the claimant could have seen (mesh/history-claims.ts), each rule alone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bindingRefusal, idKey } from '../../../src/mesh/identity.js';
import { trustClaim } from '../../../src/mesh/history-claims.js';
import type { Member, MessageOf } from '../../../src/protocol/messages.js';
import { HOST_EPOCH, HostHarness, ackLatestMembers, helloFrom, settle } from './role-harness.js';

const TOKEN = 'a-token-of-sixteen-or-more';
const OTHER = 'another-token-sixteen-plus';

function hello(extra: Partial<MessageOf<'hello'>> = {}): MessageOf<'hello'> {
  return helloFrom('m', extra) as MessageOf<'hello'>;
}

describe('binding an id to its first process', () => {
  const alive = (value: boolean | undefined, held = true) => ({ isAlive: () => value, held: () => held });
  it('lets the same key, an unbound id and a holder known dead through', () => {
    expect(bindingRefusal('m', 'k', { key: 'k', pid: 1 }, alive(true))).toBeUndefined();
    expect(bindingRefusal('m', 'k', undefined, alive(true))).toBeUndefined();
    expect(bindingRefusal('m', 'k2', { key: 'k', pid: 1 }, alive(false))).toBeUndefined();
  });
  it('refuses another key, or none, while the id is held and its holder may run', () => {
    expect(bindingRefusal('m', 'k2', { key: 'k', pid: 1 }, alive(true))).toMatch(/belongs to process 1/);
    expect(bindingRefusal('m', undefined, { key: 'k', pid: 1 }, alive(true))).toBeDefined();
    // Liveness unknown (TCP): presumed alive.
    expect(bindingRefusal('m', 'k2', { key: 'k', pid: undefined }, alive(undefined))).toBeDefined();
  });
  it('lets another process take an id nobody holds (its holder left; not awaited)', () => {
    expect(bindingRefusal('m', 'k2', { key: 'k', pid: 1 }, alive(true, false))).toBeUndefined();
  });
});

describe('how far a history claim is believed', () => {
  const key = idKey('m', TOKEN);
  const context = (previous: Member[]) => ({ epoch: 100, version: 10, logSize: 50, previous: new Map(previous.map((m) => [m.peer, m])) });
  const member: Member = { peer: 'm', clientOnly: false, pid: 42, key };
  const someone: Member = { peer: 'x', clientOnly: false, pid: 7, key: 'xk' };
  it('believes a proved member of the previous epoch, however far ahead', () => {
    expect(trustClaim(hello({ version: 1e9, entryEpoch: 50, knownEpoch: 50 }), key, context([member]))).toBe('any');
  });
  it('proves a keyless record (the peer registry) by its pid', () => {
    const record: Member = { peer: 'm', clientOnly: false, pid: 42 };
    expect(trustClaim(hello({ version: 20, entryEpoch: 50, knownEpoch: 50, pid: 42 }), undefined, context([record]))).toBe('any');
    expect(trustClaim(hello({ version: 20, entryEpoch: 50, knownEpoch: 50, pid: 43 }), undefined, context([record]))).toBe('entries');
  });
  it('believes no epoch at or past ours, nor past what the claimant knew', () => {
    expect(trustClaim(hello({ version: 20, entryEpoch: 100, knownEpoch: 100 }), key, context([member]))).toBe('none');
    expect(trustClaim(hello({ version: 20, entryEpoch: 60, knownEpoch: 50 }), key, context([member]))).toBe('none');
  });
  it('gives anyone else entries within a log of us at most', () => {
    const wrongKey = idKey('m', OTHER);
    expect(trustClaim(hello({ version: 60, entryEpoch: 50, knownEpoch: 50 }), wrongKey, context([member]))).toBe('entries');
    expect(trustClaim(hello({ version: 61, entryEpoch: 50, knownEpoch: 50 }), wrongKey, context([member]))).toBe('none');
    expect(trustClaim(hello({ version: 1e9, entryEpoch: 50, knownEpoch: 50 }), undefined, context([someone]))).toBe('none');
  });
  it('believes any claim within the epochs when it knows of no previous member', () => {
    expect(trustClaim(hello({ version: 1e9, entryEpoch: 50, knownEpoch: 50 }), undefined, context([]))).toBe('any');
  });
  it('believes nothing of a joiner not ahead', () => {
    expect(trustClaim(hello({ version: 10, entryEpoch: 50, knownEpoch: 50 }), key, context([member]))).toBe('none');
  });
});

describe('a gathering host and the history it is sent', () => {
  const harnesses: HostHarness[] = [];
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((h) => h.stop()));
  });
  const snapshot = (version: number, epoch: number) => ({
    type: 'snapshot',
    epoch: HOST_EPOCH,
    part: 0,
    last: true,
    entries: [['n', 5]],
    meta: { version, epoch, stamps: [], seqs: [] },
  });
  const entry = (version: number, epoch: number) => ({
    version,
    epoch,
    patch: { peer: 'w', seq: version, ts: 1, update: { $inc: { n: 1 } } },
  });

  function gathering(previous: Member[]): HostHarness {
    // Waits for 'late' (alive) so the gather stays open while the claims arrive.
    const h = new HostHarness({ expected: ['late'], previous, isAlive: () => true });
    harnesses.push(h);
    return h;
  }

  it('cuts off a peer not proved a member that sends a whole state', async () => {
    const h = gathering([{ peer: 'late', clientOnly: false, key: 'lk' }]);
    const conn = h.connect();
    conn.deliver(helloFrom('stranger', { token: TOKEN, version: 3, entryEpoch: 5, knownEpoch: 5 }));
    await settle();
    expect(conn.sentOf('request-history')).toHaveLength(1);
    conn.deliver(snapshot(3, 5));
    await settle();
    expect(conn.closed).toBe(true);
    expect(h.core.replica.version).toBe(0);
  });

  it('adopts the entries it claimed from that peer, and refuses more than it claimed', async () => {
    const h = gathering([{ peer: 'late', clientOnly: false, key: 'lk' }]);
    const honest = h.connect();
    honest.deliver(helloFrom('stranger', { token: TOKEN, version: 2, entryEpoch: 5, knownEpoch: 5 }));
    honest.deliver({ type: 'history', epoch: HOST_EPOCH, entries: [entry(1, 5), entry(2, 5)] });
    await settle();
    expect(honest.closed).toBe(false);
    expect(h.core.replica.version).toBe(2);
    const greedy = gathering([{ peer: 'late', clientOnly: false, key: 'lk' }]);
    const conn = greedy.connect();
    conn.deliver(helloFrom('stranger', { token: TOKEN, version: 1, entryEpoch: 5, knownEpoch: 5 }));
    conn.deliver({ type: 'history', epoch: HOST_EPOCH, entries: [entry(1, 5), entry(2, 5)] });
    await settle();
    expect(conn.closed).toBe(true);
    expect(greedy.core.replica.version).toBe(0);
  });

  it("adopts a proved member's whole state at the version it claimed, not at another epoch", async () => {
    const previous: Member[] = [{ peer: 'm', clientOnly: false, key: idKey('m', TOKEN) }, { peer: 'late', clientOnly: false, key: 'lk' }];
    const h = gathering(previous);
    const conn = h.connect();
    conn.deliver(helloFrom('m', { token: TOKEN, version: 3, entryEpoch: 5, knownEpoch: 5 }));
    conn.deliver(snapshot(3, 5));
    await settle();
    expect(conn.closed).toBe(false);
    expect(h.core.replica.version).toBe(3);
    const forged = gathering(previous);
    const other = forged.connect();
    other.deliver(helloFrom('m', { token: TOKEN, version: 3, entryEpoch: 5, knownEpoch: 5 }));
    other.deliver(snapshot(3, HOST_EPOCH + 1000));
    await settle();
    expect(other.closed).toBe(true);
    expect(forged.core.replica.version).toBe(0);
  });

  it('refuses a hello that takes an awaited id with another token while its holder runs', async () => {
    const previous: Member[] = [{ peer: 'm', clientOnly: false, pid: 42, key: idKey('m', TOKEN) }, { peer: 'late', clientOnly: false, key: 'lk' }];
    const h = new HostHarness({ expected: ['m', 'late'], previous, isAlive: () => true });
    harnesses.push(h);
    const conn = h.connect();
    conn.deliver(helloFrom('m', { token: OTHER }));
    expect(conn.sentOf('refused')).toMatchObject([{ code: 'ERR_ID_TAKEN' }]);
    const owner = h.connect();
    owner.deliver(helloFrom('m', { token: TOKEN }));
    await settle();
    expect(owner.sentOf('welcome')).toHaveLength(1);
    // Connected, it is held too: another token is refused, not told to retry.
    const again = h.connect();
    again.deliver(helloFrom('m', { token: OTHER }));
    expect(again.sentOf('refused')).toMatchObject([{ code: 'ERR_ID_TAKEN' }]);
  });

  /** A member of the previous epoch, proved by its token. */
  const proved = (peer: string): Member => ({ peer, clientOnly: false, key: idKey(peer, TOKEN) });

  it('does not send a member still uploading a longer history the shorter one it just adopted', async () => {
    const h = gathering([proved('long'), proved('short'), { peer: 'late', clientOnly: false, key: 'lk' }]);
    const long = h.connect();
    long.deliver(helloFrom('long', { token: TOKEN, version: 5, entryEpoch: 5, knownEpoch: 5 }));
    const short = h.connect();
    short.deliver(helloFrom('short', { token: TOKEN, version: 3, entryEpoch: 5, knownEpoch: 5 }));
    // The delta naming it goes out at the end of the turn (member-announcer.ts).
    await settle();
    ackLatestMembers(long);
    expect(long.sentOf('request-history')).toHaveLength(1);
    expect(short.sentOf('request-history')).toHaveLength(1);
    // The shorter upload completes first: the longer one must not be replaced by it.
    short.deliver(snapshot(3, 5));
    await settle();
    expect(h.core.replica.version).toBe(3);
    expect(long.sentOf('snapshot')).toHaveLength(0);
    long.deliver(snapshot(5, 5));
    await settle();
    expect(h.core.replica.version).toBe(5);
    expect(long.closed).toBe(false);
    // The shorter member is brought to the longer history.
    expect(short.sentOf('snapshot').at(-1)).toMatchObject({ last: true, meta: { version: 5 } });
  });

  it('waits again for a member that left before its history arrived', async () => {
    const h = gathering([proved('m'), { peer: 'late', clientOnly: false }]);
    const first = h.connect();
    first.deliver(helloFrom('m', { token: TOKEN, version: 4, entryEpoch: 5, knownEpoch: 5 }));
    expect(first.sentOf('request-history')).toHaveLength(1);
    first.close();
    await settle();
    // Everyone it waited for at the start is back: the gather still waits for 'm'.
    const late = await h.join('late');
    await settle();
    expect(h.ready).toBe(false);
    const again = h.connect();
    again.deliver(helloFrom('m', { token: TOKEN, version: 4, entryEpoch: 5, knownEpoch: 5 }));
    await settle();
    ackLatestMembers(late);
    await settle();
    expect(again.sentOf('request-history')).toHaveLength(1);
    again.deliver(snapshot(4, 5));
    await settle();
    expect(h.core.replica.version).toBe(4);
    expect(h.ready).toBe(true);
  });
});
