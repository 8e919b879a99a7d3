/**
 * #9 item 6 (a): a peer that takes a member's id while the member is between connections (a
 * failover) must be refused. Here the member is clientOnly (it cannot become host) and is
 * SIGSTOPped while its host is SIGKILLed: the only other host-capable process takes over and
 * gathers, waiting for it. The attacker joins the new host in the member's name and submits
 * the largest seq the host admits; once the member runs again every one of its patches would
 * be taken for a resend and time out. The id is bound to the token of its first process:
 * the attacker is refused with ERR_ID_TAKEN, and the member's writes go on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { highestAcceptableSeq } from '../../../src/clock/write-numbers.js';
import { tsToMillis } from '../../../src/clock/hlc.js';
import { MAX_CLOCK_STEP_MS } from '../../../src/mesh/admission.js';
import { DEFAULT_LIMITS } from '../../../src/options.js';
import { Cluster, until, type WorkerStatus } from '../../support/cluster.js';
import { helloFor, RawPeer } from './raw-peer.js';

describe("a member's id while it is between connections", () => {
  let cluster: Cluster | undefined;
  const attackers: RawPeer[] = [];
  afterEach(async () => {
    for (const peer of attackers.splice(0)) peer.destroy();
    for (const w of cluster?.alive() ?? []) w.signal('SIGCONT');
    await cluster?.[Symbol.asyncDispose]();
    cluster = undefined;
  });

  it('cannot be taken by another process during a failover', { timeout: 90_000 }, async () => {
    cluster = new Cluster();
    const options = { timeout: 30_000, hostTimeout: 1_000 };
    const host = await cluster.start(options, { n: 0 });
    const next = await cluster.start(options, { n: 0 });
    const member = await cluster.start({ ...options, clientOnly: true }, { n: 0 });
    expect([host.role, next.role, member.role]).toEqual(['host', 'client', 'client']);
    await cluster.oneHost(20_000);
    const written = await member.worker.call<{ applied: boolean; version: number }>('patch', { update: { $inc: { n: 1 } } });
    expect(written.applied).toBe(true);
    const victim = await member.worker.call<WorkerStatus>('status');
    const address = victim.address;
    if (address.kind !== 'unix' || address.path === undefined) throw new Error('not a Unix socket mesh');

    // The member stops between connections; its host dies; the next one gathers, waiting for it.
    member.worker.signal('SIGSTOP');
    await host.worker.kill();
    await until(async () => (await next.worker.call<WorkerStatus>('status')).role === 'host', 20_000, 'the next host');

    const attacker = await RawPeer.connect(address.path);
    attackers.push(attacker);
    attacker.send(helloFor(cluster.name, victim.id, { clientOnly: true }));
    const answer = await Promise.race([attacker.next('welcome', 10_000), attacker.next('refused', 10_000)]);
    if (answer.type === 'welcome') {
      // Today's code lets it in: the forged seq is the most the host admits from that id.
      await attacker.next('known', 10_000);
      const clock = Number(answer.clock);
      const seq = highestAcceptableSeq(Number(answer.lastSeq ?? 0), tsToMillis(clock), MAX_CLOCK_STEP_MS, DEFAULT_LIMITS.maxPendingPerPeer);
      attacker.send({
        type: 'submit',
        epoch: answer.epoch,
        patches: [{ peer: victim.id, seq, ts: clock, update: { $set: { forged: true } } }],
      });
      await until(async () => ((await next.worker.call<{ forged?: boolean }>('get')).forged ?? false) === true, 10_000, 'the forged patch');
      attacker.destroy();
    }
    member.worker.signal('SIGCONT');

    // The real member's writes are ordered, once each, and reach every replica.
    for (let i = 0; i < 3; i++) {
      const result = await member.worker.call<{ applied: boolean; version: number }>('patch', { update: { $inc: { n: 1 } }, timeout: 10_000 });
      expect(result.applied).toBe(true);
    }
    await until(
      async () => {
        const [a, b] = await Promise.all([next.worker.call<{ n: number }>('get'), member.worker.call<{ n: number }>('get')]);
        return a.n === 4 && b.n === 4;
      },
      20_000,
      'n == 4 on both replicas',
    );
    expect(await next.worker.call('get')).toEqual({ n: 4 });
    const statuses = await cluster.statuses([next.worker, member.worker]);
    expect(statuses.map((s) => s.status.version)).toEqual([4, 4]);
    // Refused, with the code that says why, and cut off.
    expect(answer).toMatchObject({ type: 'refused', code: 'ERR_ID_TAKEN' });
    await attacker.waitClosed(10_000);
  });
});
