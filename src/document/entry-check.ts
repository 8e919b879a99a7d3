import type { JsonValue, UpdateOperator } from '../types.js';
import { isPlainObject, type PatchBudget, spend } from './json.js';
import { handLean, type LeanPath, leanPath, type LeanWrite, onlyKey, plainPath } from './lean.js';
import type { DocumentLimits } from './limits.js';
import { copyOperatorValue } from './operator-args.js';
import { parsePath } from './paths.js';
import { checkParsedPatch, type PatchInput } from './validate.js';

/**
 * {@link checkParsedPatch} for an entry a replica received and is about to apply, in one walk
 * that also recognises a lean write (lean.ts) and hands it to the apply that follows
 * ({@link handLean}). Every replica runs both on every entry, and the two walked the same
 * objects (four `Object.getPrototypeOf` calls, two `for-in`s, two memo look-ups of the path):
 * that was a large share of a fan-out reader's instructions per entry.
 *
 * Only the commonest shape is taken here: one `$set`, `$inc` or `$unset` of one path, with no
 * condition and no array filters. For it, the general check's steps run in the general
 * check's order (so the same input gets the same error); any other patch, or one that
 * names an array-filter identifier, goes to checkParsedPatch whole.
 *
 * `limits`: resolved already (resolveDocumentLimits), once per frame by the caller.
 * @throws PatchValidationError as checkParsedPatch does; nothing is handed on then.
 */
export function checkEntryPatch(input: PatchInput, limits: DocumentLimits): void {
  const update = input.update;
  if (input.if !== undefined || input.arrayFilters !== undefined) return general(input, limits);
  if (update === passed.update && limits === passed.limits && leanPath.enabled === passed.enabled) {
    handLean(update, passed.lean);
    return;
  }
  if (!isPlainObject(update)) return general(input, limits);
  const op = onlyKey(update);
  if (op !== '$set' && op !== '$inc' && op !== '$unset') return general(input, limits);
  const args = update[op];
  if (!isPlainObject(args)) return general(input, limits);
  const path = onlyKey(args);
  if (path === undefined) return general(input, limits);
  const value = args[path];
  // Past these, the general check has an error to give: let it give it.
  if (value === undefined || limits.maxPathsPerPatch < 1) return general(input, limits);
  const budget: PatchBudget = { limits, bytes: 0, inPlace: true };
  spend(budget, op.length + 4);
  spend(budget, path.length + 4);
  const parsed = parsePath(path, limits, true);
  // `$[id]` with no array filters: refused, after the value's check (the general order).
  if (parsed.identifiers.length > 0) return general(input, limits);
  copyOperatorValue(op as UpdateOperator, path, value, parsed.segments.length, budget);
  // Checked. A lean write when every segment is plain (no `$[]`): what leanWrite would say.
  const plain = leanPath.enabled ? plainPath(path) : null;
  const lean = plain === null ? undefined : leanOf(op, path, plain, value as JsonValue);
  handLean(update, lean);
  passed.update = update;
  passed.limits = limits;
  passed.enabled = leanPath.enabled;
  passed.lean = lean;
}

/**
 * The last update this check passed, under which limits, and its verdict. The decoder gives a
 * run of the same lean write one shared update object (protocol/compact-decode.ts), which
 * nothing changes: the same object under the same limits passes again, with the same lean
 * write, without a walk. A weak hold would cost more than the one update it keeps alive.
 */
const passed: { update: unknown; limits: DocumentLimits | undefined; enabled: boolean; lean: LeanWrite | undefined } = {
  update: undefined,
  limits: undefined,
  enabled: true,
  lean: undefined,
};

/**
 * The last lean write made, given again for the same write: a fan-out's entries are mostly the
 * same `$inc {n: 1}`, and a LeanWrite is never changed, so one object serves them all (one
 * allocation less per entry; GC was a large share of a reader's time).
 */
let last: LeanWrite | undefined;

function leanOf(op: LeanWrite['op'], path: string, plain: LeanPath, arg: JsonValue): LeanWrite {
  if (last !== undefined && last.op === op && last.path === path && Object.is(last.arg, arg)) return last;
  last = { op, path, segments: plain.segments, paths: plain.paths, arg };
  return last;
}

function general(input: PatchInput, limits: DocumentLimits): void {
  handLean(undefined, undefined);
  checkParsedPatch(input, limits);
}
