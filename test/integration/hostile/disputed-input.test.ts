/**
 * Input a host might be tempted to accept: forged timestamps, an impostor's hello, a batch
 * with one bad patch. Each case gets a mesh of its own: if the attack lands, it poisons
 * that mesh only, and the other cases still say what they test.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WorkerStatus } from '../../support/cluster.js';
import { joinedAttacker, patchOf, submitOf } from './attacks.js';
import { expectCutOff, HostileMesh } from './hostile-mesh.js';
import { helloFor, type RawPeer } from './raw-peer.js';

/** Resolves once the host has cut `peer` off or broadcast entries to it, whichever first. */
async function answered(peer: RawPeer): Promise<void> {
  await Promise.race([peer.closed, peer.next('entries', 10_000).catch(() => undefined)]);
}

describe('disputed input', () => {
  let mesh: HostileMesh;
  beforeEach(async () => {
    mesh = await HostileMesh.start();
  });
  afterEach(async () => {
    await mesh?.[Symbol.asyncDispose]();
  });

  it.each([
    ['a fractional ts', 0.5],
    ['a ts beyond the safe integers', 1e300],
    ['ts = Number.MAX_SAFE_INTEGER', Number.MAX_SAFE_INTEGER],
  ])('%s: cut off, and honest writers keep working', async (name, ts) => {
    const { peer, id, epoch } = await joinedAttacker(mesh);
    peer.send(submitOf(epoch, patchOf(id, 1, { $set: { last: name } }, { ts })));
    await expectCutOff(peer);
    await mesh.expectUnharmed(name);
  });

  it('a ts a century ahead does not drag the honest clocks into the future', async () => {
    const { peer, id, epoch } = await joinedAttacker(mesh);
    const century = 100 * 365 * 24 * 3600 * 1000;
    const ts = (Date.now() + century) * 1000;
    expect(Number.isSafeInteger(ts)).toBe(true);
    peer.send(submitOf(epoch, patchOf(id, 1, { $set: { last: 'from the future' } }, { ts })));
    await answered(peer);
    peer.destroy();
    // Refused or ordered, it must not move the hybrid clocks: a later honest $currentDate
    // records this year, not the attacker's (each replica takes it from the patch's ts).
    const writer = mesh.clients[0]!;
    const result = await writer.call<{ applied: boolean }>('patch', {
      update: { $currentDate: { stamped: true } },
      timeout: 10_000,
    });
    expect(result.applied).toBe(true);
    const stamped = await writer.call<string>('get', { path: 'stamped' });
    expect(new Date(stamped).getUTCFullYear()).toBeLessThanOrEqual(new Date().getUTCFullYear() + 1);
  });

  it('a submit whose second patch is invalid: cut off, nothing of it applied', async () => {
    const { peer, id, epoch } = await joinedAttacker(mesh);
    peer.send(
      submitOf(
        epoch,
        patchOf(id, 1, { $set: { last: 'first of a bad batch' } }),
        patchOf(id, 2, { $rename: { last: '' } }),
      ),
    );
    await expectCutOff(peer);
    await mesh.expectUnharmed('bad batch');
  });

  it('a hello claiming a connected honest client id: that client keeps its link', async () => {
    const victim = await mesh.clients[0]!.call<WorkerStatus>('status');
    const peer = await mesh.attacker();
    peer.send(helloFor(mesh.name, victim.id));
    await Promise.race([peer.closed, peer.next('welcome').catch(() => undefined)]);
    peer.destroy();
    await mesh.expectUnharmed('impostor hello');
  });

  it('an impostor hello then a forged high seq does not burn the victim seqs', async () => {
    const victim = await mesh.clients[0]!.call<WorkerStatus>('status');
    const peer = await mesh.attacker();
    peer.send(helloFor(mesh.name, victim.id));
    const welcome = await Promise.race([
      peer.closed.then(() => undefined),
      peer.next('welcome').catch(() => undefined),
    ]);
    if (welcome !== undefined && (await peer.next('known').catch(() => undefined)) !== undefined) {
      peer.send(
        submitOf(welcome.epoch as number, patchOf(victim.id, 1e12, { $inc: { hijacked: 1 } })),
      );
      await answered(peer);
    }
    peer.destroy();
    await mesh.expectUnharmed('victim after impostor', mesh.clients[0]);
  });
});
