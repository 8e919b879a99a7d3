/**
 * A mesh with a shared secret against peers that do not hold it, or that replay a handshake
 * recorded on another connection. The proofs are computed here with the product's own HMAC
 * functions and a known secret, so a refusal can only come from the nonces or the secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientProof, hostProof, newNonce } from '../../../src/mesh/auth.js';
import { WorkerError } from '../../support/cluster.js';
import { attackerId, patchOf, submitOf } from './attacks.js';
import { expectCutOff, HostileMesh } from './hostile-mesh.js';
import { helloFor, type RawPeer } from './raw-peer.js';

const SECRET = 'correct horse battery staple';
const WRONG_SECRET = 'incorrect horse battery staple';

/** Waits for the host's challenge; returns its nonce. */
async function challengeOf(peer: RawPeer): Promise<string> {
  const challenge = await peer.next('challenge');
  expect(typeof challenge.nonce).toBe('string');
  return challenge.nonce as string;
}

describe('a mesh with a shared secret', () => {
  let mesh: HostileMesh;
  beforeAll(async () => {
    mesh = await HostileMesh.start({ secret: SECRET });
  });
  afterAll(async () => {
    await mesh?.[Symbol.asyncDispose]();
  });

  it('a hello proved with the wrong secret: refused ERR_AUTH', async () => {
    const peer = await mesh.attacker();
    const hostNonce = await challengeOf(peer);
    const id = attackerId();
    const nonce = newNonce();
    const proof = clientProof(WRONG_SECRET, hostNonce, nonce, mesh.name, id);
    peer.send(helloFor(mesh.name, id, { nonce, proof }));
    await expectCutOff(peer, 'ERR_AUTH');
    await mesh.expectUnharmed('wrong secret');
  });

  it.each([
    ['no nonce and no proof', {}],
    ['a nonce but no proof', { nonce: newNonce() }],
    ['a proof but no nonce', { proof: 'A'.repeat(43) }],
    ['an empty proof', { nonce: newNonce(), proof: '' }],
  ])('a hello with %s: refused ERR_AUTH', async (name, fields) => {
    const peer = await mesh.attacker();
    await challengeOf(peer);
    peer.send(helloFor(mesh.name, attackerId(), fields));
    await expectCutOff(peer, 'ERR_AUTH');
    await mesh.expectUnharmed(`missing secret: ${name}`);
  });

  it('a submit without any hello: cut off, nothing applied', async () => {
    const peer = await mesh.attacker();
    await challengeOf(peer);
    const id = attackerId();
    peer.send(submitOf(mesh.epoch, patchOf(id, 1, { $set: { last: 'unauthenticated' } })));
    await expectCutOff(peer);
    await mesh.expectUnharmed('unauthenticated submit');
  });

  it('a valid handshake replayed on a new connection: refused ERR_AUTH', async () => {
    // A genuine handshake, proved with the right secret: the host welcomes it.
    const first = await mesh.attacker();
    const firstNonce = await challengeOf(first);
    const id = attackerId();
    const nonce = newNonce();
    const hello = helloFor(mesh.name, id, {
      nonce,
      proof: clientProof(SECRET, firstNonce, nonce, mesh.name, id),
    });
    first.send(hello);
    const welcome = await first.next('welcome');
    expect(welcome.proof).toBe(hostProof(SECRET, firstNonce, nonce, mesh.name));

    // The recorded hello, byte for byte, on a connection with another host nonce.
    const replay = await mesh.attacker();
    const replayNonce = await challengeOf(replay);
    expect(replayNonce).not.toBe(firstNonce);
    replay.send(hello);
    await expectCutOff(replay, 'ERR_AUTH');
    // The genuine connection was not replaced by the replay.
    expect(first.isClosed).toBe(false);
    first.destroy();
    await mesh.expectUnharmed('replayed handshake');
  });

  it.each([
    ['the wrong secret', { secret: WRONG_SECRET }],
    ['no secret', {}],
  ])('an honest process with %s fails to start with ERR_AUTH', async (name, options) => {
    const started = mesh.cluster.start({ ...options, clientOnly: true, timeout: 5000 });
    await expect(started).rejects.toBeInstanceOf(WorkerError);
    await expect(started).rejects.toMatchObject({ code: 'ERR_AUTH' });
    await mesh.expectUnharmed(`honest process with ${name}`);
  });
});
