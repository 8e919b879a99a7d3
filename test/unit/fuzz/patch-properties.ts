/**
 * Fuzz of messages and patches: the schema, the validator, a replica applying what they let
 * through, and the roles refusing what they do not. Assertions use node:assert: these run
 * in a worker thread, outside the test runner.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkParsedPatch, Replica, validatePatchInput } from '../../../src/document/index.js';
import { MemSyncError, PatchValidationError, ProtocolError } from '../../../src/errors.js';
import { parseMessage } from '../../../src/protocol/messages.js';
import { ClientHarness, HOST_EPOCH, HostHarness, settle } from '../protocol/role-harness.js';
import { assertRefusal, type Beat } from './fuzz-checks.js';
import {
  hostileJsonText,
  hostilePatchBody,
  type PatchBodyText,
  parseBody,
  plausiblePatchBody,
  RESERVED_KEYS,
  SCRIPT_OPERATORS,
} from './hostile-arbitraries.js';
import { mutate, mutation, validMessage } from './message-mutations.js';
import { assertPrototypesUntouched, forbiddenKeysIn } from './prototype-guard.js';

const RESERVED: ReadonlySet<string> = new Set(RESERVED_KEYS);
const RESERVED_OR_SCRIPT: ReadonlySet<string> = new Set([...RESERVED_KEYS, ...SCRIPT_OPERATORS]);

/**
 * Reserved words in an accepted update: as an operator, as a segment of a path, or as a key
 * of a value (where a dotted key is one literal key, not a path).
 */
function reservedInUpdate(update: Record<string, Record<string, unknown>>): string[] {
  const found: string[] = [];
  for (const op of Object.keys(update)) {
    if (RESERVED.has(op)) found.push(op);
    const args = update[op] ?? {};
    for (const path of Object.keys(args)) {
      if (path.split('.').some((segment) => RESERVED.has(segment))) found.push(path);
      const value = args[path];
      // $pull takes a condition: its keys are paths, the validator judges them as such.
      const condition = op === '$pull';
      found.push(...forbiddenKeysIn(value, condition ? RESERVED_OR_SCRIPT : RESERVED, condition));
    }
  }
  return found;
}

/** 'accepted', or the code of the error a check threw. */
function verdictOf(check: () => unknown): string {
  try {
    check();
    return 'accepted';
  } catch (error) {
    return error instanceof MemSyncError ? error.code : `not a MemSyncError: ${String(error)}`;
  }
}

/** Validates one patch that passed the schema and, when accepted, applies it to a replica. */
function validateAndApply(patch: Record<string, unknown> & { update: unknown }): void {
  let body: ReturnType<typeof validatePatchInput>;
  try {
    body = validatePatchInput(patch);
  } catch (error) {
    assertRefusal(error, PatchValidationError, 'validatePatchInput');
    return;
  }
  assert.deepEqual(reservedInUpdate(body.update), [], 'no reserved key accepted');
  assert.deepEqual(forbiddenKeysIn([body.if, body.arrayFilters], RESERVED_OR_SCRIPT, true), []);
  const replica = new Replica({ n: 0, a: { b: 1 }, list: [1, 2, 3] });
  try {
    replica.apply({
      version: 1,
      epoch: 1,
      patch: {
        peer: typeof patch.peer === 'string' ? patch.peer : 'p',
        seq: typeof patch.seq === 'number' ? patch.seq : 1,
        ts: typeof patch.ts === 'number' ? patch.ts : 1,
        ...body,
      },
    });
  } catch (error) {
    assertRefusal(error, MemSyncError, 'Replica.apply');
  }
  assert.deepEqual(forbiddenKeysIn(replica.state, RESERVED, false), [], 'none in the state');
}

/** Any JSON value: parseMessage returns it as is, or throws a ProtocolError. */
export function parseAnyJsonProperty(beat: Beat) {
  const text = fc.oneof(fc.jsonValue().map((value) => JSON.stringify(value)), hostileJsonText);
  return fc.property(text, (json) => {
    beat();
    const value: unknown = JSON.parse(json);
    try {
      assert.equal(parseMessage(value), value);
    } catch (error) {
      if (error instanceof assert.AssertionError) throw error;
      assertRefusal(error, ProtocolError, 'parseMessage');
    }
    assertPrototypesUntouched();
  });
}

/** The patches a message carries towards a replica. */
type WirePatch = Record<string, unknown> & { update: unknown };

function patchesOf(message: Record<string, unknown>): WirePatch[] {
  if (message.type === 'submit') return message.patches as WirePatch[];
  if (message.type === 'entries' || message.type === 'history') {
    return (message.entries as { patch: WirePatch }[]).map((e) => e.patch);
  }
  return [];
}

/**
 * Valid messages, mutated: parseMessage throws only ProtocolErrors; the patches it lets
 * through are validated (only PatchValidationErrors) and applied (only MemSyncErrors).
 */
export function parseMutatedProperty(beat: Beat) {
  return fc.property(validMessage, fc.array(mutation, { maxLength: 3 }), (message, mutations) => {
    beat();
    const mutated = mutate(message, mutations);
    let parsed: Record<string, unknown>;
    try {
      parsed = parseMessage(mutated) as unknown as Record<string, unknown>;
    } catch (error) {
      assertRefusal(error, ProtocolError, 'parseMessage');
      assert.ok(mutations.length > 0, 'an unmutated valid message is accepted');
      assertPrototypesUntouched();
      return;
    }
    for (const patch of patchesOf(parsed)) validateAndApply(patch);
    assertPrototypesUntouched();
  });
}

const anyPatchBody: fc.Arbitrary<PatchBodyText> = fc.oneof(hostilePatchBody, plausiblePatchBody);

/** Hostile and plausible patches: refused with a PatchValidationError, or safe to apply. */
export function validateHostileProperty(beat: Beat) {
  return fc.property(anyPatchBody, (text) => {
    beat();
    const patch = { peer: 'p', seq: 1, ts: 1, ...parseBody(text) };
    // Receivers check parsed patches in place, without the copy: same verdict required.
    assert.equal(
      verdictOf(() => checkParsedPatch(patch)),
      verdictOf(() => validatePatchInput(patch)),
      'checkParsedPatch and validatePatchInput agree',
    );
    validateAndApply(patch);
    assertPrototypesUntouched();
  });
}

/**
 * A patch validation refuses, sent to a host (as a submit) and to a client (as an entry):
 * each hangs up, and its replica keeps the same state object and version.
 */
export function refusedChangesNothingProperty(beat: Beat) {
  return fc.asyncProperty(anyPatchBody, async (text) => {
    beat();
    const body = parseBody(text);
    let refused = false;
    try {
      validatePatchInput(body);
    } catch (error) {
      assertRefusal(error, PatchValidationError, 'validatePatchInput');
      refused = true;
    }
    fc.pre(refused);
    // Written by hand from the texts: a JSON round trip would turn 1e400 into null.
    const optional =
      (text.if === undefined ? '' : `,"if":${text.if}`) +
      (text.arrayFilters === undefined ? '' : `,"arrayFilters":${text.arrayFilters}`);
    const stamp = `"peer":"attacker","seq":1,"ts":${Date.now() * 1000}`;
    const patch = `{${stamp},"update":${text.update}${optional}}`;

    const host = new HostHarness();
    await settle();
    const attacker = await host.join('attacker');
    const hostState = host.core.replica.state;
    attacker.deliverText(`{"type":"submit","epoch":${HOST_EPOCH},"patches":[${patch}]}`);
    await settle();
    assert.ok(attacker.closed, 'the host hangs up on a refused patch');
    assert.equal(host.core.replica.version, 0, 'host version unchanged');
    assert.equal(host.core.replica.state, hostState, 'host state unchanged');
    await host.stop();

    const client = new ClientHarness();
    const clientState = client.core.replica.state;
    const entry = `{"version":1,"epoch":${HOST_EPOCH},"patch":${patch}}`;
    client.conn.deliverText(`{"type":"entries","epoch":${HOST_EPOCH},"entries":[${entry}]}`);
    await settle();
    assert.ok(client.conn.closed, 'the client hangs up on a refused entry');
    assert.equal(client.core.replica.version, 0, 'client version unchanged');
    assert.equal(client.core.replica.state, clientState, 'client state unchanged');
    assertPrototypesUntouched();
  });
}
