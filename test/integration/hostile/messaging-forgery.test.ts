/**
 * A hostile peer against events, RPC and locks: it cannot release another's lock, pass its
 * events off as another's, answer a call it was not sent, or write lock entries itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinedAttacker, patchOf, submitOf } from './attacks.js';
import { expectCutOff, HostileMesh } from './hostile-mesh.js';
import { helloFor } from './raw-peer.js';

describe('hostile peers and messaging', () => {
  let mesh: HostileMesh;
  beforeAll(async () => {
    mesh = await HostileMesh.start({}, 2);
  }, 60_000);
  afterAll(async () => {
    await mesh?.[Symbol.asyncDispose]();
  });

  it('cannot release a lock another process holds, nor forge the sender of an event', async () => {
    const [holder, other] = mesh.clients as [typeof mesh.host, typeof mesh.host];
    const held = await holder.call<{ ok: boolean; token: number }>('tryLock', { name: 'x' });
    expect(held.ok).toBe(true);
    await other.call('listen', { name: 'news' });
    const { peer, id } = await joinedAttacker(mesh);
    // Releases of every plausible request number: the host stamps them with the attacker's id.
    for (let rid = 0; rid < 50; rid++) peer.send({ type: 'lock', op: 'release', name: 'x', rid });
    // An event claiming another sender: relayed as the attacker's.
    peer.send({ type: 'event', name: 'news', payload: 'fake', from: 'someone-else', version: 1 });
    // A result for a call nobody sent it: ignored.
    peer.send({ type: 'call-result', id: 1, ok: true, value: 'forged' });
    const heard: unknown[] = [];
    const deadline = Date.now() + 10_000;
    while (heard.length === 0 && Date.now() < deadline) heard.push(...(await other.call<unknown[]>('heard')));
    expect(heard).toEqual([[id, 'fake']]);
    // The lock is still held: another process times out waiting for it.
    expect(await other.call('tryLock', { name: 'x', timeout: 300 })).toEqual({ ok: false, code: 'ERR_TIMEOUT' });
    expect(holder.events.filter((e) => e.event === 'lost')).toEqual([]);
    await holder.call('dropLock', { name: 'x' });
    expect(await other.call('tryLock', { name: 'x', timeout: 5000 })).toMatchObject({ ok: true });
    await other.call('dropLock', { name: 'x' });
    peer.destroy();
    // Lock requests are ordered entries (the attacker's releases too, as no-ops of its own):
    // the honest version to expect from here is the host's.
    mesh.version = (await mesh.host.call<{ version: number }>('status')).version;
    await mesh.expectUnharmed('after lock forgeries');
  });

  it('is cut off when it names another peer in a lock request or writes a lock entry itself', async () => {
    const a = await joinedAttacker(mesh);
    a.peer.send({ type: 'lock', op: 'release', name: 'x', rid: 1, peer: 'victim' });
    await expectCutOff(a.peer);
    const b = await joinedAttacker(mesh);
    b.peer.send(submitOf(b.epoch, patchOf(b.id, 1, { $set: {} }, { msg: { op: 'left', peer: 'victim' } })));
    await expectCutOff(b.peer);
    const c = await mesh.attacker();
    c.send(helloFor(mesh.name, '#messaging'));
    await expectCutOff(c);
    // Nothing they sent was ordered: the version is where the honest writes left it.
    expect((await mesh.host.call<{ version: number }>('status')).version).toBe(mesh.version);
    await mesh.expectUnharmed('after lock entry forgeries');
  });
});
