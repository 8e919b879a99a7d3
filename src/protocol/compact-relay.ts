/**
 * A host relays the bodies of a member's compact `submit` (compact.ts) into its `entries`
 * frames as the bytes they arrived in, instead of stringifying again the objects it just
 * parsed from them: JSON.stringify of the bodies and writing its text as UTF-8 were about a
 * tenth of a host's CPU per patch (bench/host-harness.ts).
 *
 * Why the bytes say what the objects say: the host admits a submit's patches as they lie
 * (mesh/admission.ts: the validator checks in place, only a stamp may be lowered, and stamps
 * travel in the binary records, not in the JSON), and JSON.parse of the same text gives every
 * reader the same values the host's own replica applies. A body is an update, `[update,
 * extras]` or `[operator, path, value]` in both messages; the readers check it as any other frame.
 */
import type { Patch } from '../types.js';
import { SUBMIT_HEADER, SUBMIT_RECORD } from './compact-layout.js';
import { BACKSLASH, CLOSE_BRACKET, COMMA, CR, LF, OPEN_BRACKET, QUOTE, SPACE, TAB } from '../transport/json-bytes.js';

/** A submit's bodies as received: the JSON texts of `patches`' bodies, comma-separated. */
export interface RelayedBodies {
  /** The patches of the submit, in its order (each the object the host orders). */
  readonly patches: readonly Patch[];
  /** The bodies array's inner bytes (between its brackets): a view of the received frame. */
  readonly bytes: Buffer;
}


function isSpace(byte: number | undefined): boolean {
  return byte === SPACE || byte === LF || byte === CR || byte === TAB;
}

/**
 * The bodies of a compact submit `body` whose `patches` were decoded from it, or undefined
 * when they cannot be told apart (then the host encodes them as usual). `body` was decoded
 * and checked (compact-decode.ts): its JSON part is valid JSON, `[peer id, [bodies]]`.
 */
export function relayedBodies(body: Buffer, patches: readonly Patch[]): RelayedBodies | undefined {
  let at = SUBMIT_HEADER + patches.length * SUBMIT_RECORD;
  let end = body.length;
  while (isSpace(body[at])) at++;
  if (body[at++] !== OPEN_BRACKET) return undefined;
  while (isSpace(body[at])) at++;
  if (body[at++] !== QUOTE) return undefined;
  // The peer id: a JSON string, where a quote or a backslash inside is escaped by a backslash.
  for (;;) {
    const byte = body[at++];
    if (byte === undefined) return undefined;
    if (byte === QUOTE) break;
    if (byte === BACKSLASH) at++;
  }
  while (isSpace(body[at])) at++;
  if (body[at++] !== COMMA) return undefined;
  while (isSpace(body[at])) at++;
  if (body[at++] !== OPEN_BRACKET) return undefined;
  while (isSpace(body[end - 1])) end--;
  if (body[--end] !== CLOSE_BRACKET) return undefined;
  while (isSpace(body[end - 1])) end--;
  if (body[--end] !== CLOSE_BRACKET || end <= at) return undefined;
  return { patches, bytes: body.subarray(at, end) };
}
