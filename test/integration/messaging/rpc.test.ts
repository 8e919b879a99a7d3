import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, type Worker } from '../../support/cluster.js';

interface CallOutcome {
  ok: boolean;
  value?: unknown;
  code?: string;
  message?: string;
  remoteCode?: string;
  name?: string;
}

/**
 * The handler says it is serving; if it does not within the bound, the failure says what the
 * call came back with and what every worker reported (roles, errors), so a rare CI failure
 * can be read rather than guessed at.
 */
async function servingOrWhy(server: Worker, from: number, pending: Promise<CallOutcome>, all: Record<string, Worker>): Promise<void> {
  let outcome = 'none yet';
  void pending.then(
    (o) => (outcome = JSON.stringify(o)),
    (e: unknown) => (outcome = String(e)),
  );
  try {
    await server.waitForEvent((e) => e.event === 'serving', 10_000, from);
  } catch (error) {
    const events = Object.entries(all).map(([name, w]) => `${name} (pid ${w.pid}): ${JSON.stringify(w.events)}`);
    throw new Error(`${(error as Error).message}; the call's outcome: ${outcome}; events: ${events.join('; ')}`);
  }
}

/** A call's timeout far above any answer: an outcome that came by the timeout would say ERR_TIMEOUT. */
const LONG = 30_000;

describe('mem.call across real processes', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.[Symbol.asyncDispose]();
    cluster = undefined;
  });

  it('results, remote errors, no handler, and a handler killed mid-call: each with its code', { timeout: 90_000 }, async () => {
    cluster = new Cluster();
    const host = (await cluster.start()).worker;
    const server = (await cluster.start({ id: 'server' })).worker;
    const caller = (await cluster.start()).worker;
    await server.call('serve', { name: 'echo', behavior: 'echo' });
    await server.call('serve', { name: 'refuse', behavior: 'throw' });
    await server.call('serve', { name: 'slow', behavior: 'hang' });
    // The host serves one too: calls reach a handler in the host's own process.
    await host.call('serve', { name: 'hostEcho', behavior: 'echo' });

    const echo = await caller.call<CallOutcome>('callRpc', { name: 'echo', args: { x: [1, 2] }, timeout: LONG });
    expect(echo).toMatchObject({ ok: true, value: { echo: { x: [1, 2] }, by: 'server' } });
    expect(await host.call<CallOutcome>('callRpc', { name: 'echo', args: 5, timeout: LONG })).toMatchObject({ ok: true, value: { echo: 5 } });
    expect(await caller.call<CallOutcome>('callRpc', { name: 'hostEcho', args: 'hi', timeout: LONG })).toMatchObject({ ok: true, value: { echo: 'hi' } });

    const refused = await caller.call<CallOutcome>('callRpc', { name: 'refuse', args: 7, timeout: LONG });
    expect(refused).toMatchObject({ ok: false, code: 'ERR_REMOTE', name: 'RemoteError', remoteCode: 'E_REFUSED', message: 'refused 7' });

    expect(await caller.call<CallOutcome>('callRpc', { name: 'nobody', args: 1, timeout: LONG })).toMatchObject({ ok: false, code: 'ERR_NO_HANDLER' });
    expect(await caller.call<CallOutcome>('callRpc', { name: 'echo', args: 1, peer: 'elsewhere', timeout: LONG })).toMatchObject({
      ok: false,
      code: 'ERR_NO_HANDLER',
    });
    expect(await caller.call<CallOutcome>('callRpc', { name: 'echo', args: 1, timeout: 200 })).toMatchObject({ ok: true });
    expect(await caller.call<CallOutcome>('callRpc', { name: 'slow', args: 1, timeout: 200 })).toMatchObject({ ok: false, code: 'ERR_TIMEOUT' });

    // The handler's process dies mid-call: the caller hears at once, not at its timeout.
    const from = server.events.length;
    const pending = caller.call<CallOutcome>('callRpc', { name: 'slow', args: 2, timeout: LONG }, LONG + 5000);
    await servingOrWhy(server, from, pending, { host, server, caller });
    await server.kill('SIGKILL');
    expect(await pending).toMatchObject({ ok: false, code: 'ERR_HANDLER_GONE' });
    expect(await caller.call<CallOutcome>('callRpc', { name: 'echo', args: 1, timeout: LONG })).toMatchObject({ ok: false, code: 'ERR_NO_HANDLER' });
  });

  it('the host killed mid-call: the outcome is unknown (never re-run); calls work again after the failover', { timeout: 90_000 }, async () => {
    cluster = new Cluster();
    const host = (await cluster.start()).worker;
    // clientOnly, so the caller is the new host and the server rejoins it, re-registering.
    const server = (await cluster.start({ id: 'server', clientOnly: true })).worker;
    const caller = (await cluster.start()).worker;
    await server.call('serve', { name: 'slow', behavior: 'hang' });
    await server.call('serve', { name: 'echo', behavior: 'echo' });
    const from = server.events.length;
    const pending = caller.call<CallOutcome>('callRpc', { name: 'slow', args: 1, timeout: LONG }, LONG + 5000);
    await servingOrWhy(server, from, pending, { host, server, caller });
    await host.kill('SIGKILL');
    expect(await pending).toMatchObject({ ok: false, code: 'ERR_OUTCOME_UNKNOWN' });
    // Made with no host: it waits for the next one (the caller itself), which routes it as soon
    // as it orders, while the server it waited for has only just rejoined. The server's methods
    // reach the new host on its welcome, and the call waits for them (messaging/call-hold.ts):
    // served, never ERR_NO_HANDLER (it was, while registrations waited for `known`).
    const again = caller.call<CallOutcome>('callRpc', { name: 'echo', args: 3, timeout: LONG }, LONG + 5000);
    const agreed = await cluster.oneHost(30_000, [server, caller]);
    expect(agreed.host).toBe(caller);
    expect(await again).toMatchObject({ ok: true, value: { echo: 3, by: 'server' } });
    expect(await caller.call<CallOutcome>('callRpc', { name: 'echo', args: 4, timeout: LONG })).toMatchObject({ ok: true, value: { echo: 4, by: 'server' } });
    // The handler ran once, and was not sent the call again by the new host.
    expect(server.events.filter((e) => e.event === 'serving')).toHaveLength(1);
  });
});
