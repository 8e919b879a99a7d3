import { afterAll, beforeAll, describe, it } from 'vitest';
import type { WorkerStatus } from '../../support/cluster.js';
import { attackerId, joinedAttacker, patchOf, submitOf } from './attacks.js';
import { expectCutOff, HostileMesh } from './hostile-mesh.js';
import { helloFor } from './raw-peer.js';

describe('hostile messages at the host', () => {
  let mesh: HostileMesh;
  beforeAll(async () => {
    mesh = await HostileMesh.start();
  });
  afterAll(async () => {
    await mesh?.[Symbol.asyncDispose]();
  });

  describe('before or in the hello', () => {
    it('an unknown message type: cut off', async () => {
      const peer = await mesh.attacker();
      peer.send({ type: 'gossip', epoch: 1 });
      await expectCutOff(peer);
      await mesh.expectUnharmed('unknown type');
    });

    it('a submit before hello: cut off, nothing applied', async () => {
      const peer = await mesh.attacker();
      const id = attackerId();
      peer.send(submitOf(mesh.epoch, patchOf(id, 1, { $set: { last: 'before hello' } })));
      await expectCutOff(peer);
      await mesh.expectUnharmed('submit before hello');
    });

    it('a hello with no protocol version in common: refused ERR_INCOMPATIBLE_PEER', async () => {
      const peer = await mesh.attacker();
      peer.send(helloFor(mesh.name, attackerId(), { protocols: [99, 1000] }));
      await expectCutOff(peer, 'ERR_INCOMPATIBLE_PEER');
      await mesh.expectUnharmed('wrong protocol');
    });

    it('a hello for another mesh name: refused ERR_INCOMPATIBLE_PEER', async () => {
      const peer = await mesh.attacker();
      peer.send(helloFor(`${mesh.name}-other`, attackerId()));
      await expectCutOff(peer, 'ERR_INCOMPATIBLE_PEER');
      await mesh.expectUnharmed('other mesh');
    });

    it("a hello claiming the host's own id: refused ERR_INCOMPATIBLE_PEER", async () => {
      const host = await mesh.host.call<WorkerStatus>('status');
      const peer = await mesh.attacker();
      peer.send(helloFor(mesh.name, host.id));
      await expectCutOff(peer, 'ERR_INCOMPATIBLE_PEER');
      await mesh.expectUnharmed('host id');
    });

    it('a hello that breaks the schema (peer id too long): cut off', async () => {
      const peer = await mesh.attacker();
      peer.send(helloFor(mesh.name, 'x'.repeat(129)));
      await expectCutOff(peer);
      await mesh.expectUnharmed('long peer id');
    });
  });

  describe('after a valid hello', () => {
    it('a second hello: cut off', async () => {
      const { peer, id } = await joinedAttacker(mesh);
      peer.send(helloFor(mesh.name, id));
      await expectCutOff(peer);
      await mesh.expectUnharmed('second hello');
    });

    it('an unknown message type: cut off', async () => {
      const { peer } = await joinedAttacker(mesh);
      peer.send({ type: 'gossip' });
      await expectCutOff(peer);
      await mesh.expectUnharmed('unknown type after hello');
    });

    it('a submit from an older epoch: cut off, nothing applied', async () => {
      const { peer, id, epoch } = await joinedAttacker(mesh);
      peer.send(submitOf(epoch - 1, patchOf(id, 1, { $set: { last: 'old epoch' } })));
      await expectCutOff(peer);
      await mesh.expectUnharmed('old epoch');
    });

    it('a submit from a newer epoch: cut off, nothing applied', async () => {
      const { peer, id, epoch } = await joinedAttacker(mesh);
      peer.send(submitOf(epoch + 1, patchOf(id, 1, { $set: { last: 'new epoch' } })));
      await expectCutOff(peer);
      await mesh.expectUnharmed('new epoch');
    });

    it('a patch with an unknown operator: cut off, nothing applied', async () => {
      const { peer, id, epoch } = await joinedAttacker(mesh);
      peer.send(submitOf(epoch, patchOf(id, 1, { $eval: { last: 'x' } })));
      await expectCutOff(peer);
      await mesh.expectUnharmed('unknown operator');
    });

    it("a patch carrying another peer's id (impersonation): cut off, nothing applied", async () => {
      const victim = await mesh.clients[1]!.call<WorkerStatus>('status');
      const { peer, epoch } = await joinedAttacker(mesh);
      peer.send(submitOf(epoch, patchOf(victim.id, 1_000_000, { $set: { last: 'forged' } })));
      await expectCutOff(peer);
      await mesh.expectUnharmed('impersonation');
      // The victim's own next write is still ordered (its seq was not burnt by the forgery).
      await mesh.honestWrite('victim writes after impersonation', mesh.clients[1]);
    });

    it.each([
      ['entries', (epoch: number) => ({ type: 'entries', epoch, entries: [] })],
      [
        'welcome',
        (epoch: number) => ({
          type: 'welcome',
          protocol: 1,
          host: 'x',
          epoch,
          version: 0,
          members: [],
        }),
      ],
      ['members', (epoch: number) => ({ type: 'members', epoch, joined: [], left: [], seq: 1 })],
      ['handover', (epoch: number) => ({ type: 'handover', epoch, successor: null })],
      ['history not asked for', (epoch: number) => ({ type: 'history', epoch, entries: [] })],
      [
        'snapshot not asked for',
        (epoch: number) => ({ type: 'snapshot', epoch, part: 0, last: true, data: '{}' }),
      ],
      [
        'request-history',
        (epoch: number) => ({ type: 'request-history', epoch, after: 0, atEpoch: 0 }),
      ],
    ])('a host-only or unasked message (%s): cut off', async (name, message) => {
      const { peer, epoch } = await joinedAttacker(mesh);
      peer.send(message(epoch));
      await expectCutOff(peer);
      await mesh.expectUnharmed(`unexpected ${name}`);
    });
  });
});
