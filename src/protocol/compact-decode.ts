/**
 * Decodes and checks a compact frame (layout: compact.ts) in one pass. It checks what the
 * JSON schema of `entries` and `submit` checks, no less: integers within the same bounds
 * (safe, non-negative, seq and version from 1), peer ids of 1-128 characters, updates and
 * conditions that are objects, extras with no other key (so no `__proto__` either), and as
 * many bodies as records. The deep content of a patch is left, as for the JSON form, to the
 * document layer's validator, which the roles run before any use.
 */
import { isUtf8 } from 'node:buffer';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { pathsObject, setOwn } from '../document/paths-object.js';
import { ProtocolError } from '../errors.js';
import type { OrderedPatch, Patch, Update } from '../types.js';
import {
  type BodyExtras,
  ENTRIES_HEADER,
  ENTRY_RECORD,
  FLAG_ACK,
  KIND_ENTRIES,
  KIND_SUBMIT,
  REPEAT_BODY,
  repeatable,
  SUBMIT_HEADER,
  SUBMIT_RECORD,
} from './compact-layout.js';
import type { MessageOf } from './messages.js';
import { ExtrasSchema } from './patch-schema.js';

/** As many entries as the JSON form's schema allows in one message. */
const MAX_ENTRIES = 1_000_000;
const MAX_SUBMIT = 100_000;
const MAX_PEER_ID = 128;

const extrasCheck = TypeCompiler.Compile(ExtrasSchema);

export type CompactMessage = MessageOf<'entries'> | MessageOf<'submit'>;

/**
 * The message a compact frame body packs, checked.
 * @throws ProtocolError `ERR_PROTOCOL` naming the first problem.
 */
export function decodeCompact(body: Buffer): CompactMessage {
  const kind = body[0];
  if (kind === KIND_ENTRIES) return decodeEntries(body);
  if (kind === KIND_SUBMIT) return decodeSubmit(body);
  throw new ProtocolError('ERR_PROTOCOL', `unknown binary frame kind ${String(kind)}`);
}

function fail(type: string, where: string, what: string): never {
  throw new ProtocolError('ERR_PROTOCOL', `invalid '${type}' message at ${where}: ${what}`);
}

/** Whether `value` is an integer `min`..MAX_SAFE_INTEGER (NaN and fractions are not). */
function isInteger(value: number, min: number): boolean {
  return Number.isInteger(value) && value >= min && value <= Number.MAX_SAFE_INTEGER;
}

/**
 * An integer `min`..MAX_SAFE_INTEGER, or the message's error (NaN and fractions included).
 * A -0 (a double can hold one; it passes `>= 0`) comes back as 0, as its JSON text reads:
 * `+ 0` does that, and changes no other number.
 */
function integer(value: number, min: number, type: string, where: string): number {
  if (!isInteger(value, min)) {
    fail(type, where, `expected an integer from ${min} to ${Number.MAX_SAFE_INTEGER}, got ${value}`);
  }
  return value + 0;
}

/** The record count, checked against the limit and against the bytes that must hold them. */
function countOf(body: Buffer, type: string, header: number, record: number, min: number, max: number): number {
  if (body.length < header) fail(type, '/', `frame of ${body.length} bytes is shorter than its header`);
  const count = body.readUInt32LE(2);
  if (count < min || count > max) fail(type, '/count', `expected ${min} to ${max} records, got ${count}`);
  if (body.length < header + count * record) fail(type, '/', `frame of ${body.length} bytes is too short for ${count} records`);
  return count;
}

/** The JSON part: `[head, bodies]` with one body per record. */
function jsonPart(body: Buffer, at: number, count: number, type: string): [unknown, unknown[]] {
  const bytes = body.subarray(at);
  if (!isUtf8(bytes)) throw new ProtocolError('ERR_PROTOCOL', 'frame is not valid UTF-8');
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (cause) {
    throw new ProtocolError('ERR_PROTOCOL', 'frame is not valid JSON', { cause });
  }
  if (!Array.isArray(value) || value.length !== 2) fail(type, '/json', 'expected [head, bodies]');
  const bodies: unknown = value[1];
  if (!Array.isArray(bodies) || bodies.length !== count) fail(type, '/json/1', `expected ${count} bodies`);
  return [value[0], bodies];
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function peerId(value: unknown, type: string, where: string): string {
  if (typeof value !== 'string' || value.length < 1 || value.length > MAX_PEER_ID) {
    fail(type, where, `expected a peer id of 1 to ${MAX_PEER_ID} characters`);
  }
  return value;
}

/**
 * A patch from its record's numbers and the body at `index` of the JSON part. (The error's
 * place is written only when there is an error: a string per record was most of the
 * decoder's own work per entry.)
 */
function patchOf(peer: string, seq: number, ts: number, body: unknown, type: string, index: number, lean: LeanMemo): Patch {
  if (body === REPEAT_BODY) {
    if (lean.update === undefined) fail(type, `/json/1/${index}`, 'a repeat (0) must follow a one-path body of a value that is no object');
    return { peer, seq, ts, update: lean.update };
  }
  if (Array.isArray(body) && typeof body[0] === 'string') {
    if (body.length !== 3 || typeof body[1] !== 'string') {
      fail(type, `/json/1/${index}`, 'expected [operator, path, value]');
    }
    return { peer, seq, ts, update: leanUpdateOf(lean, body[0], body[1], body[2] as unknown) };
  }
  // Any other body ends a run: a repeat names the body just before it.
  lean.update = undefined;
  if (isObject(body)) return { peer, seq, ts, update: body as Update };
  if (!Array.isArray(body) || body.length !== 2 || !isObject(body[0])) {
    fail(type, `/json/1/${index}`, 'expected an update object, [update, extras], [operator, path, value] or a repeat (0)');
  }
  const extras: unknown = body[1];
  if (!extrasCheck.Check(extras)) {
    const first = extrasCheck.Errors(extras).First();
    fail(type, `/json/1/${index}/1${first?.path ?? ''}`, first?.message ?? 'malformed');
  }
  const patch: Patch = { peer, seq, ts, update: body[0] as Update };
  const { if: condition, arrayFilters, msg } = extras as BodyExtras;
  if (condition !== undefined) patch.if = condition;
  if (arrayFilters !== undefined) patch.arrayFilters = arrayFilters;
  if (msg !== undefined) patch.msg = msg;
  return patch;
}

/**
 * The body just before, when it was a lean one of a value that is no object, and the update
 * made for it. A run of the same write (a counter's `$inc {n: 1}` from one writer, a
 * fan-out's every entry; sent as repeats, REPEAT_BODY, or written out again) shares one
 * update object: patches never change their update (the validator checks in place, stamps
 * travel outside it), and the entry check knows an update it has just passed
 * (document/entry-check.ts), so each repeat costs no objects and no walk. Not for an object
 * value: a `$set` of an object puts that object in the state, and two places must not hold one.
 */
interface LeanMemo {
  op: string;
  path: string;
  value: unknown;
  update: Update | undefined;
}

function leanMemo(): LeanMemo {
  return { op: '', path: '', value: undefined, update: undefined };
}

function leanUpdateOf(memo: LeanMemo, op: string, path: string, value: unknown): Update {
  if (memo.update !== undefined && memo.op === op && memo.path === path && Object.is(memo.value, value)) return memo.update;
  const update = leanUpdate(op, path, value);
  memo.op = op;
  memo.path = path;
  memo.value = value;
  memo.update = repeatable(value) ? update : undefined;
  return update;
}

/**
 * The update a lean body `[op, path, value]` stands for, with own keys as JSON.parse would give
 * (`__proto__` included, for the validator to refuse) and the paths object's shape shared.
 */
function leanUpdate(op: string, path: string, value: unknown): Update {
  const paths = pathsObject(path);
  setOwn(paths, path, value);
  const update: Record<string, unknown> = {};
  setOwn(update, op, paths);
  return update as Update;
}

/**
 * The records' view: a DataView's reads compile to plain loads, where Buffer's readDoubleLE
 * copies eight bytes one by one through a scratch array (two per record). The body's length
 * was checked against its records first (countOf).
 */
function viewOf(body: Buffer): DataView {
  return new DataView(body.buffer, body.byteOffset, body.byteLength);
}

function decodeEntries(body: Buffer): MessageOf<'entries'> {
  const type = 'entries';
  const count = countOf(body, type, ENTRIES_HEADER, ENTRY_RECORD, 0, MAX_ENTRIES);
  const flags = body[1]!;
  if ((flags & ~FLAG_ACK) !== 0) fail(type, '/flags', `unknown flags ${flags}`);
  const epoch = integer(body.readDoubleLE(6), 0, type, '/epoch');
  const entryEpoch = integer(body.readDoubleLE(14), 0, type, '/entryEpoch');
  const first = integer(body.readDoubleLE(22), 1, type, '/first');
  // Subtracted, not added: first + count could round to a safe integer past the last one.
  if (count > 0 && first > Number.MAX_SAFE_INTEGER - (count - 1)) fail(type, '/first', `versions from ${first} run past ${Number.MAX_SAFE_INTEGER}`);
  const [head, bodies] = jsonPart(body, ENTRIES_HEADER + count * ENTRY_RECORD, count, type);
  if (!Array.isArray(head) || head.length > Math.max(count, 1)) fail(type, '/json/0', 'expected a table of peer ids');
  const peers = head as unknown[];
  for (let i = 0; i < peers.length; i++) peerId(peers[i], type, `/json/0/${i}`);
  const entries = new Array<OrderedPatch>(count);
  const view = viewOf(body);
  const lean = leanMemo();
  let at = ENTRIES_HEADER;
  for (let i = 0; i < count; i++) {
    const index = view.getUint32(at, true);
    if (index >= peers.length) fail(type, `/entries/${i}/peer`, `peer index ${index} is not in the table`);
    const seq = view.getFloat64(at + 4, true);
    if (!isInteger(seq, 1)) integer(seq, 1, type, `/entries/${i}/patch/seq`);
    const ts = view.getFloat64(at + 12, true) + 0; // -0 as 0 (see integer)
    if (!isInteger(ts, 0)) integer(ts, 0, type, `/entries/${i}/patch/ts`);
    at += ENTRY_RECORD;
    const patch = patchOf(peers[index] as string, seq, ts, bodies[i], type, i, lean);
    entries[i] = { version: first + i, epoch: entryEpoch, patch };
  }
  return (flags & FLAG_ACK) !== 0 ? { type, epoch, entries, ack: true } : { type, epoch, entries };
}

function decodeSubmit(body: Buffer): MessageOf<'submit'> {
  const type = 'submit';
  const count = countOf(body, type, SUBMIT_HEADER, SUBMIT_RECORD, 1, MAX_SUBMIT);
  if (body[1] !== 0) fail(type, '/flags', `unknown flags ${body[1]}`);
  const epoch = integer(body.readDoubleLE(6), 0, type, '/epoch');
  const [head, bodies] = jsonPart(body, SUBMIT_HEADER + count * SUBMIT_RECORD, count, type);
  const peer = peerId(head, type, '/json/0');
  const patches = new Array<Patch>(count);
  const view = viewOf(body);
  const lean = leanMemo();
  let at = SUBMIT_HEADER;
  for (let i = 0; i < count; i++) {
    const seq = view.getFloat64(at, true);
    if (!isInteger(seq, 1)) integer(seq, 1, type, `/patches/${i}/seq`);
    const ts = view.getFloat64(at + 8, true) + 0; // -0 as 0 (see integer)
    if (!isInteger(ts, 0)) integer(ts, 0, type, `/patches/${i}/ts`);
    at += SUBMIT_RECORD;
    patches[i] = patchOf(peer, seq, ts, bodies[i], type, i, lean);
  }
  return { type, epoch, patches };
}
