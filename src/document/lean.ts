import type { JsonObject, JsonValue, Patch } from '../types.js';
import { bsonEqual } from './bson.js';
import type { SharedOwnership } from './cow.js';
import { freezeFresh } from './freeze.js';
import { RESERVED_KEYS } from './json.js';
import { applyPlanTo, type UpdateResult } from './apply-update.js';
import type { ConditionCache } from './conditions.js';
import type { UpdatePlan } from './plan.js';
import { isDraft, isWideRoot, openDraft, ownValue, sealDraft, WIDE_ROOT_KEYS, withOwnValue, writeDraft } from './wide-root.js';

/**
 * The lean path: a patch that is one `$set`, `$inc` or `$unset` of one plain path (no `$`
 * segment) and no array filters (a condition, if any, is judged before), applied without a
 * plan, a CopyOnWrite, leaves or the regex budget. That is most patches a mesh carries
 * (`$inc {n: 1}`), and every replica applies every one, so the general machinery's objects
 * per patch were a large share of a reader's time and garbage.
 *
 * It must give exactly what the general path (plan.ts, cow.ts, apply-update.ts) gives: the
 * same root, changed paths, stamps and chunked objects. What it does not reproduce exactly
 * it declines (undefined) before changing anything anyone else can see, and the general path
 * runs instead: arrays or chunked objects below the root on the path (a chunked root is
 * written through its draft, as CopyOnWrite does), a scalar or null in the way, `$inc` of a
 * non-number or out of range, `$`, reserved or empty segments, a root or object that may
 * cross the chunking bound. `test/unit/document/lean.property.test.ts` compares the two.
 */
export interface LeanWrite {
  readonly op: '$set' | '$inc' | '$unset';
  readonly path: string;
  readonly segments: readonly string[];
  /** `[path]`: what a batch watch is told (shared, never changed). */
  readonly paths: readonly string[];
  readonly arg: JsonValue;
}

export interface LeanPath {
  readonly segments: readonly string[];
  readonly paths: readonly string[];
}

/**
 * Paths remembered (then forgotten all at once). Above the key count of the documents the
 * mixed scenario writes (10,000 top-level keys, one `$inc` of a random one each): at 4096
 * most of its paths were split again.
 */
const MEMO_SIZE = 16_384;
/** Per path: its segments when every one is plain, null when not. */
const leanPaths = new Map<string, LeanPath | null>();

/** `path`'s segments and `[path]` when every segment is plain, else null (remembered). */
export function plainPath(path: string): LeanPath | null {
  let known = leanPaths.get(path);
  if (known !== undefined) return known;
  const segments = path.split('.');
  known = { segments, paths: [path] };
  for (const segment of segments) {
    // '$…' may be positional; reserved keys and empty segments are refused (or odd) there.
    if (segment.length === 0 || segment.charCodeAt(0) === 36 || RESERVED_KEYS.has(segment)) known = null;
  }
  if (leanPaths.size >= MEMO_SIZE) leanPaths.clear();
  leanPaths.set(path, known);
  return known;
}

/** The one key of `object`, or undefined when it has none, more, or an inherited one. */
export function onlyKey(object: object): string | undefined {
  let only: string | undefined;
  for (const key in object) {
    if (only !== undefined || !Object.hasOwn(object, key)) return undefined;
    only = key;
  }
  return only;
}

function isPlain(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Off, every patch takes the general path: for the differential tests that compare the two
 * (lean.property.test.ts), never for production.
 */
export const leanPath = { enabled: true };

/**
 * The verdict of the check that ran just before (entry-check.ts, on a received entry): the
 * update it walked and the lean write it recognised there (or undefined), so that the replica
 * does not walk the same objects again. One slot, emptied by every leanWrite call: it only
 * ever serves the apply that follows its check, with nothing run in between that could change
 * the (freshly parsed, unshared) update.
 */
const handed: { update: unknown; lean: LeanWrite | undefined } = { update: undefined, lean: undefined };

/** Hands `lean`, recognised while `update` was checked, to the next {@link leanWrite}. */
export function handLean(update: unknown, lean: LeanWrite | undefined): void {
  handed.update = update;
  handed.lean = lean;
}

/** The patch as a lean write, or undefined when it is not one (see {@link LeanWrite}). */
export function leanWrite(patch: Pick<Patch, 'update' | 'arrayFilters'>): LeanWrite | undefined {
  const known = handed.update === patch.update && patch.arrayFilters === undefined;
  const lean = handed.lean;
  handed.update = undefined;
  handed.lean = undefined;
  // A condition was judged before (Replica): it does not change how the update applies.
  if (!leanPath.enabled || patch.arrayFilters !== undefined) return undefined;
  if (known) return lean;
  const update: unknown = patch.update;
  if (!isPlain(update)) return undefined;
  const op = onlyKey(update);
  if (op !== '$set' && op !== '$inc' && op !== '$unset') return undefined;
  const args = update[op];
  if (!isPlain(args)) return undefined;
  const path = onlyKey(args);
  if (path === undefined) return undefined;
  const arg = args[path] as JsonValue | undefined;
  if (arg === undefined || (op === '$inc' && (typeof arg !== 'number' || !Number.isFinite(arg)))) return undefined;
  const parsed = plainPath(path);
  if (parsed === null) return undefined;
  return { op, path, segments: parsed.segments, paths: parsed.paths, arg };
}

/**
 * `holder`'s own `key`, undefined when missing (JSON holds no undefined values). A chunked
 * root or a draft is asked directly: through its Proxy, `Object.hasOwn` makes a descriptor.
 */
const own: (holder: JsonObject, key: string) => JsonValue | undefined = ownValue;

/** A plain object the lean path may walk into: not an array, not a chunked object or draft. */
function walkable(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isWideRoot(value) && !isDraft(value);
}

/**
 * Whether the lean path can apply `write` to `root` exactly as the general path would, judged
 * on the document alone (so a batch sealed in between does not change the verdict).
 */
export function leanApplies(root: JsonObject, write: LeanWrite): boolean {
  // A chunked root (or a batch's draft of one) is written through a draft, as by CopyOnWrite.
  const segments = write.segments;
  let node = root;
  for (let i = 0; i < segments.length - 1; i++) {
    const child = own(node, segments[i]!);
    // Missing: $set and $inc create objects down to the leaf, $unset finds nothing.
    if (child === undefined) return true;
    if (!walkable(child)) return false;
    node = child;
  }
  if (write.op !== '$inc') return true;
  const found = own(node, segments[segments.length - 1]!);
  return found === undefined || (typeof found === 'number' && Number.isFinite(found + (write.arg as number)));
}

/** Whether `node` has `count` keys or more (counted no further). */
function hasKeys(node: JsonObject, count: number): boolean {
  let n = 0;
  if (n >= count) return true;
  for (const _ in node) if (++n >= count) return true;
  return false;
}

/** The leaf's new value, or undefined when the write changes nothing. */
function nextValue(write: LeanWrite, found: JsonValue | undefined): JsonValue | undefined {
  if (write.op === '$inc') {
    const next = found === undefined ? (write.arg as number) : (found as number) + (write.arg as number);
    return next === found ? undefined : next;
  }
  return bsonEqual(found, write.arg) ? undefined : write.arg;
}

/** Whether `write` changes the value `found` at its leaf (`present`: the leaf exists). */
function changes(write: LeanWrite, found: JsonValue | undefined, present: boolean): boolean {
  return write.op === '$unset' ? present : nextValue(write, found) !== undefined;
}

/** Whether `write` changes the root whose value at `segments[0]` is `first`, read without copying. */
function changesRoot(first: JsonValue | undefined, write: LeanWrite): boolean {
  const segments = write.segments;
  let found = first;
  for (let i = 1; i < segments.length; i++) {
    // Missing: $set and $inc create it, $unset finds nothing.
    if (found === undefined) return write.op !== '$unset';
    found = own(found as JsonObject, segments[i]!);
  }
  return changes(write, found, found !== undefined);
}

/**
 * Applies a write {@link leanApplies} accepted. Alone (`batch` undefined): a new frozen root
 * sharing everything off the path, or undefined when the result would need chunking (the
 * general path then does it; nothing was changed). In a batch (batch.ts): containers the
 * batch owns are written in place, copies become the batch's, as CopyOnWrite does.
 */
export function applyLean(root: JsonObject, write: LeanWrite, wideKeys: number, batch?: SharedOwnership): UpdateResult | undefined {
  const owned = batch?.owned;
  const inPlace = owned?.has(root) === true;
  // A root nobody owns yet is copied only for a write that changes something. Into a root the
  // batch owns, the general path owns the containers along the path before it knows (they
  // stay, unchanged, and are sealed with the batch): so does this one, for the same result.
  const segments = write.segments;
  // Read once (through a chunked root's Proxy each read costs): the new root, a copy or a
  // draft of this one, or this one in place, holds the same value there until written.
  const first = own(root, segments[0]!);
  if (!inPlace && !changesRoot(first, write)) return { root, changedPaths: [] };
  const last = segments.length - 1;
  // The commonest write of all, a top-level key a chunked root holds: one chunk's values copied.
  if (batch === undefined && last === 0 && first !== undefined && write.op !== '$unset' && isWideRoot(root)) {
    const next = nextValue(write, first)!; // it changes the root (above)
    freezeFresh(next);
    const replaced = withOwnValue(root, segments[0]!, next);
    if (replaced !== undefined) return { root: replaced, changedPaths: [write.path] };
  }
  // A new top-level key (only $set and $inc create one): the root may reach the chunking bound.
  const grows = first === undefined;
  const wide = isDraft(root) || isWideRoot(root);
  const newRoot = inPlace ? root : wide ? openDraft(root) : { ...root };
  if (owned !== undefined && !inPlace) owned.add(newRoot);
  let holder = newRoot;
  for (let i = 0; i < last; i++) {
    const key = segments[i]!;
    const child = (i === 0 ? first : own(holder, key)) as JsonObject | undefined;
    let copy: JsonObject;
    if (child === undefined) {
      if (write.op === '$unset') return { root, changedPaths: [] }; // only in place: nothing to remove
      copy = {}; // created down to the leaf: nobody else has seen it
    } else if (owned?.has(child) === true) {
      copy = child;
    } else {
      copy = { ...child };
      if (batch !== undefined) {
        owned!.add(copy);
        batch.nested.push({ holder, key, node: copy, draft: false });
      } else if (hasKeys(copy, wideKeys - (Object.hasOwn(copy, segments[i + 1]!) ? 0 : 1))) {
        return undefined; // it will have wideKeys keys: the general path chunks it
      }
    }
    holder[key] = copy;
    holder = copy;
  }
  const key = segments[last]!;
  const found = last === 0 ? first : own(holder, key);
  const present = found !== undefined;
  if (!changes(write, found, present)) return { root, changedPaths: [] }; // only in place
  const next = write.op === '$unset' ? undefined : nextValue(write, found)!;
  if (!(last === 0 && wide && writeDraft(holder, key, next))) {
    if (next === undefined) delete holder[key];
    else holder[key] = next;
  }
  if (batch !== undefined) {
    if (grows) batch.rootGrows = true;
  } else if (wide) {
    return { root: sealDraft(newRoot), changedPaths: [write.path] };
  } else {
    if (grows && hasKeys(newRoot, wideKeys)) return undefined; // the general path chunks it
    freezeFresh(newRoot);
  }
  return { root: newRoot, changedPaths: [write.path] };
}

/**
 * `patch` applied alone to `from` (its condition judged already): by the lean path when it
 * takes the patch, else by `plan`, the patch's. The same result either way (the lean path
 * declines what it would not do exactly): for an optimistic view's layers (view.ts), which
 * need the plan anyway (pending writes are indexed by it; the replica takes it back).
 */
export function applyAlone(from: JsonObject, patch: Patch, plan: UpdatePlan, conditions: ConditionCache, wideKeys: number | undefined): UpdateResult {
  const lean = leanWrite(patch);
  const result = lean !== undefined && leanApplies(from, lean) ? applyLean(from, lean, wideKeys ?? WIDE_ROOT_KEYS) : undefined;
  return result ?? applyPlanTo(from, plan, conditions, wideKeys);
}
