/** Building blocks of attacks: a raw peer that has joined, and the patches it sends. */
import { expect } from 'vitest';
import type { HostileMesh } from './hostile-mesh.js';
import { helloFor, type RawPeer } from './raw-peer.js';

/** A raw peer that said a valid hello and was welcomed; with the epoch the host gave it. */
export interface JoinedAttacker {
  peer: RawPeer;
  id: string;
  epoch: number;
}

let attackers = 0;

/** A fresh attacker id, valid by the wire schema. */
export function attackerId(): string {
  attackers += 1;
  return `attacker-${process.pid}-${attackers}`;
}

/** Connects and says a valid hello; resolves once welcomed. */
export async function joinedAttacker(mesh: HostileMesh): Promise<JoinedAttacker> {
  const peer = await mesh.attacker();
  const id = attackerId();
  peer.send(helloFor(mesh.name, id));
  const welcome = await peer.next('welcome');
  expect(typeof welcome.epoch).toBe('number');
  // Free to write (and so to attack with writes) once the host says it is known (protocol 7).
  await peer.next('known');
  return { peer, id, epoch: welcome.epoch as number };
}

/** A patch as an honest writer would stamp it now. */
export function patchOf(
  peer: string,
  seq: number,
  update: unknown,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { peer, seq, ts: Date.now() * 1000, update, ...extra };
}

/** A `submit` of `patches` in `epoch`. */
export function submitOf(epoch: number, ...patches: unknown[]): Record<string, unknown> {
  return { type: 'submit', epoch, patches };
}
