/**
 * Who may use the HTTP API. Loopback only by default; beyond loopback only with a token
 * (refused otherwise, as TCP without a secret is). On loopback, the Host header must name
 * loopback too: a page on another site that rebinds its DNS name to 127.0.0.1 could otherwise
 * read the state from the user's browser.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { MemSyncError } from '../errors.js';
import { isLoopbackHost } from '../mesh/auth.js';

export interface AccessPolicy {
  loopback: boolean;
  token: string | undefined;
}

export function accessPolicy(host: string, token: string | undefined): AccessPolicy {
  if (token !== undefined && token.length < 16) {
    throw new MemSyncError('ERR_INVALID_OPTION', 'the HTTP token must be at least 16 characters');
  }
  const loopback = isLoopbackHost(host);
  if (!loopback && token === undefined) {
    throw new MemSyncError(
      'ERR_INVALID_OPTION',
      `refusing to serve HTTP on ${host} without a token: anyone who can reach it could read and write the state`,
    );
  }
  return { loopback, token };
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The Host header without its port, lower-cased. */
function hostName(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^(\[[^\]]+\]|[^:]+)(?::\d+)?$/.exec(header.trim().toLowerCase());
  return match?.[1];
}

function sameSecret(given: string, expected: string): boolean {
  // Hash both so that the comparison takes the same time whatever the lengths.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The token a request presents: `Authorization: Bearer <t>`, or `?token=<t>` (EventSource cannot set headers). */
function presentedToken(request: IncomingMessage, url: URL): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7);
  return url.searchParams.get('token') ?? undefined;
}

/** Undefined when the request may proceed; else the status and message to refuse it with. */
export function refusal(policy: AccessPolicy, request: IncomingMessage, url: URL): { status: number; code: string; message: string } | undefined {
  if (policy.loopback) {
    const name = hostName(request.headers.host);
    if (name === undefined || !(LOOPBACK_NAMES.has(name) || name.startsWith('127.'))) {
      return { status: 421, code: 'ERR_HOST', message: 'this server answers only to a loopback Host header' };
    }
  }
  if (policy.token !== undefined) {
    const given = presentedToken(request, url);
    if (given === undefined || !sameSecret(given, policy.token)) {
      return { status: 401, code: 'ERR_AUTH', message: 'a valid token is required (Authorization: Bearer <token>)' };
    }
  }
  return undefined;
}
