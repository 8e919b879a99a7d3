import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Shared-secret authentication of a connection, both ways, the secret never sent.
 * The host opens with a fresh nonce; the client proves it knows the secret by an HMAC over
 * that nonce and its own; the host answers with an HMAC over the client's nonce. A recorded
 * handshake is useless on another connection: its nonces are new.
 */
export function newNonce(): string {
  return randomBytes(24).toString('base64url');
}

function mac(secret: string, parts: readonly string[]): string {
  return createHmac('sha256', secret).update(parts.join('\n')).digest('base64url');
}

/** What a client sends: proof that it holds the secret, bound to this connection's nonces. */
export function clientProof(
  secret: string,
  hostNonce: string,
  clientNonce: string,
  mesh: string,
  peer: string,
): string {
  return mac(secret, ['memsync/1 client', hostNonce, clientNonce, mesh, peer]);
}

/** What the host answers: proof that it too holds the secret. */
export function hostProof(
  secret: string,
  hostNonce: string,
  clientNonce: string,
  mesh: string,
): string {
  return mac(secret, ['memsync/1 host', hostNonce, clientNonce, mesh]);
}

/** Constant-time comparison of two proofs. */
export function proofsMatch(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/;

/** True for addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host);
}
