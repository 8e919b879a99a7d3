/**
 * A call must not miss a handler whose process is rejoining (#11 regression). After a failover
 * the servers rejoin the new host; their registrations used to wait until they were `known`,
 * and a call in between was answered ERR_NO_HANDLER although its server was back. Now a member
 * announces what it serves on its welcome, and a call that finds no handler while members are
 * joining waits for them (messaging/call-hold.ts), bounded.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemSyncError } from '../../../src/errors.js';
import { CallHold, HOLD_LIMIT_MS } from '../../../src/messaging/call-hold.js';
import { MessagingHub } from '../../../src/messaging/hub.js';
import {
  ackLatestMembers,
  ClientHarness,
  HOST_EPOCH,
  HOST_ID,
  HostHarness,
  helloFrom,
  type ScriptedConnection,
  settle,
  waitFor,
} from '../protocol/role-harness.js';

function hub(self: string): MessagingHub {
  return new MessagingHub({
    self,
    limits: {},
    defaultTimeout: 10_000,
    version: () => 0,
    report: (error) => {
      throw error;
    },
    active: () => true,
  });
}

type Outcome = { ok: true; value: unknown } | { ok: false; code: string };
const outcome = (promise: Promise<unknown>): Promise<Outcome> =>
  promise.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, code: (error as MemSyncError).code }),
  );

describe('calls while a handler is on its way', () => {
  const harnesses: HostHarness[] = [];
  const hubs: MessagingHub[] = [];
  afterEach(async () => {
    vi.useRealTimers();
    for (const h of hubs.splice(0)) h.stop();
    await Promise.all(harnesses.splice(0).map((h) => h.stop()));
  });

  function host(expected: string[] = [], gatherMs?: number): { h: HostHarness; messaging: MessagingHub } {
    const messaging = hub(HOST_ID);
    hubs.push(messaging);
    const h = new HostHarness({ expected, messaging, ...(gatherMs === undefined ? {} : { gatherMs }) });
    harnesses.push(h);
    return { h, messaging };
  }

  /** A server rejoining: welcomed, it says what it serves before it is known. */
  function rejoin(h: HostHarness, id: string, names: string[]): ScriptedConnection {
    const conn = h.connect();
    conn.deliver(helloFrom(id));
    expect(conn.sentOf('welcome')).toHaveLength(1);
    conn.deliver({ type: 'handlers', names });
    return conn;
  }

  it('a call the new host made during its gather reaches the server that rejoins it', async () => {
    // The failover: the new host waits for 'server' of the previous epoch; its own call waits too.
    const { h, messaging } = host(['server']);
    await settle();
    const call = outcome(messaging.rpc.call('echo', { x: 1 }, {}, 10_000));
    const server = rejoin(h, 'server', ['echo']);
    await settle();
    expect(h.ready).toBe(true);
    // Its registration came before it was known, and the host kept it (no protocol violation).
    expect(h.peerErrors).toEqual([]);
    expect(server.closed).toBe(false);
    expect(server.sentOf('known')).toHaveLength(0);
    await waitFor(() => server.sentOf('call').length === 1, 'the call routed to the server');
    const routed = server.sentOf('call')[0]!;
    expect(routed).toMatchObject({ name: 'echo', args: { x: 1 }, from: HOST_ID });
    // An honest server answers once it is known (client-role.ts holds the result till then).
    await waitFor(() => server.sentOf('members').length > 0, 'the delta naming the server');
    ackLatestMembers(server);
    expect(server.sentOf('known')).toHaveLength(1);
    server.deliver({ type: 'call-result', id: routed.id, ok: true, value: 'pong' });
    expect(await call).toEqual({ ok: true, value: 'pong' });
  });

  it("a member's call that waited for the gather reaches a method the new host serves itself", async () => {
    // 'b' never comes back: the gather ends at its window, with nobody joining then.
    const { h, messaging } = host(['a', 'b'], 100);
    messaging.rpc.handle('hostEcho', (args) => ({ echo: args }));
    await settle();
    // 'a' is back and known while the gather still waits for 'b'; its call waits with it.
    const a = h.connect();
    a.deliver(helloFrom('a'));
    await waitFor(() => a.sentOf('members').length > 0, "the delta naming 'a'");
    ackLatestMembers(a);
    expect(a.sentOf('known')).toHaveLength(1);
    a.deliver({ type: 'call', id: 1, name: 'hostEcho', args: 5 });
    expect(h.ready).toBe(false);
    await waitFor(() => h.ready, 'the end of the gather');
    // The host's own methods were known before the waiting call was routed: served, not ERR_NO_HANDLER.
    await waitFor(() => a.sentOf('call-result').length === 1, "the result to 'a'");
    expect(a.sentOf('call-result')[0]).toMatchObject({ id: 1, ok: true, value: { echo: 5 } });
  });

  it('a call nobody serves waits for the joining members to settle, then ERR_NO_HANDLER; none joining: at once', async () => {
    const { h, messaging } = host();
    await settle();
    await waitFor(() => h.ready, 'the gather');
    const quiet = await outcome(messaging.rpc.call('nobody', 1, {}, 10_000));
    expect(quiet).toEqual({ ok: false, code: 'ERR_NO_HANDLER' });
    // A member joins and has not yet acknowledged the list naming it: its methods may be coming.
    const joiner = rejoin(h, 'joiner', ['other']);
    let answered: Outcome | undefined;
    void outcome(messaging.rpc.call('nobody', 2, {}, 10_000)).then((o) => (answered = o));
    // A call for what it does serve goes to it at once.
    void messaging.rpc.call('other', 3, {}, 10_000).catch(() => {});
    await waitFor(() => joiner.sentOf('call').length === 1, 'the call for what it serves');
    await settle();
    expect(answered).toBeUndefined();
    await waitFor(() => joiner.sentOf('members').length > 0, 'the delta naming the joiner');
    ackLatestMembers(joiner);
    await waitFor(() => answered !== undefined, 'the answer once it settled');
    expect(answered).toEqual({ ok: false, code: 'ERR_NO_HANDLER' });
  });

  it('a call for a named peer waits for that peer only; one that leaves ends the wait', async () => {
    const { h, messaging } = host();
    await settle();
    await waitFor(() => h.ready, 'the gather');
    const a = rejoin(h, 'a', []);
    rejoin(h, 'b', []);
    // 'c' is not a member at all: at once.
    expect(await outcome(messaging.rpc.call('m', 1, { peer: 'c' }, 10_000))).toEqual({ ok: false, code: 'ERR_NO_HANDLER' });
    let answered: Outcome | undefined;
    void outcome(messaging.rpc.call('m', 1, { peer: 'a' }, 10_000)).then((o) => (answered = o));
    await settle();
    expect(answered).toBeUndefined();
    a.close();
    await waitFor(() => answered !== undefined, 'the answer once a left');
    expect(answered).toEqual({ ok: false, code: 'ERR_NO_HANDLER' });
  });

  it('the wait is bounded: a member that never settles holds a call HOLD_LIMIT_MS at most', () => {
    vi.useFakeTimers();
    let rechecks = 0;
    const hold = new CallHold(() => rechecks++);
    hold.joining('silent');
    const call = { type: 'call', id: 1, name: 'm', args: null } as const;
    expect(hold.mayCome(call)).toBe(true);
    hold.hold('caller', call);
    const [held] = hold.take();
    expect(hold.waiting(held!)).toBe(true);
    hold.putBack([held!]);
    vi.advanceTimersByTime(HOLD_LIMIT_MS - 1);
    expect(rechecks).toBe(0);
    vi.advanceTimersByTime(1);
    expect(rechecks).toBe(1);
    expect(hold.waiting(held!)).toBe(false);
    // Members joining after the call came do not prolong it.
    const later = new CallHold(() => {});
    later.joining('x');
    later.hold('caller', call);
    later.settled('x');
    later.joining('y');
    expect(later.waiting(later.take()[0]!)).toBe(false);
    hold.stop();
    later.stop();
  });

  it('a client welcomed but not known announces what it serves at once, and holds the rest', async () => {
    const messaging = hub('client');
    hubs.push(messaging);
    const client = new ClientHarness({ n: 0 }, 0, false, messaging);
    messaging.rpc.handle('echo', (args) => args);
    messaging.events.emit('e', 1);
    await settle();
    expect(client.conn.sentOf('handlers')).toEqual([{ type: 'handlers', names: ['echo'] }]);
    expect(client.conn.sentOf('event')).toHaveLength(0);
    client.conn.deliver({ type: 'known', epoch: HOST_EPOCH });
    await settle();
    expect(client.conn.sentOf('event')).toHaveLength(1);
    client.role.close();
  });
});
