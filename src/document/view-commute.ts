import type { JsonObject, JsonValue, Patch } from '../types.js';
import type { WriteTarget } from './cow.js';
import type { UpdatePlan } from './plan.js';

/**
 * When an ordered entry from another writer may be applied on top of an optimistic view
 * instead of replaying every pending own patch on the new confirmed state (view.ts).
 *
 * The view is `confirmed + pending`. An entry `f` ordered before the pending patches makes
 * it `(confirmed + f) + pending`; that equals `(confirmed + pending) + f` when:
 * - no pending patch has a condition (an `if` may read any path);
 * - every path `f` writes is concrete (no positional segment) and neither inside, above nor
 *   equal to any path a pending patch writes (operators read only the paths they write, so
 *   neither side reads what the other writes);
 * - `f` creates no field: it only writes paths that already exist. Two patches that each add
 *   a field to one object would otherwise leave its keys in the other order.
 * One overlap is allowed: `f` and pending patches that each `$inc` the very same path by an
 *   integer, of a field that holds an integer, as long as no sum along the way can leave the
 *   safe integers. Integer addition is then exact, so the order does not matter: a counter
 *   that several processes increment (the commonest shared write) no longer forces a replay
 *   of every pending patch each time another process's increment of it is ordered. Under
 *   that bound neither `$inc` can fail where the other applied (the field stays a number).
 * Anything else is answered "no", and the view replays as before.
 */

/** Index of the paths pending patches write: a count per top-level field, for a quick "no overlap". */
export class PendingWrites {
  #first = new Map<string, number>();
  /** Pending patches whose reads cannot be bounded by their writes (a condition, a root write). */
  #opaque = 0;

  add(patch: Patch, plan: UpdatePlan | undefined): void {
    this.#count(patch, plan, 1);
  }

  remove(patch: Patch, plan: UpdatePlan | undefined): void {
    this.#count(patch, plan, -1);
  }

  clear(): void {
    this.#first.clear();
    this.#opaque = 0;
  }

  /**
   * The top-level keys of `paths` (what another writer's entry changed), when no pending
   * patch writes any of them and none has a condition or writes the root; else undefined.
   * Pending patches then neither read nor write what the entry changed (operators read only
   * what they write), so the view takes the entry's new values of those keys as they are.
   */
  untouchedKeys(paths: readonly string[]): string[] | undefined {
    if (this.#opaque > 0 || paths.length === 0) return undefined;
    const keys: string[] = [];
    for (const path of paths) {
      const dot = path.indexOf('.');
      const key = dot === -1 ? path : path.slice(0, dot);
      if (key === '' || this.#first.has(key)) return undefined;
      if (!keys.includes(key)) keys.push(key);
    }
    return keys;
  }

  /**
   * Whether `plan` (another writer's, already applied to `before`, the confirmed state) can be
   * applied on top of the view. `pending`: the pending patches' plans (undefined: one that
   * cannot even be planned, so it is a no-op on every state and reads nothing).
   */
  commutes(plan: UpdatePlan, before: JsonObject, pending: readonly { readonly plan: UpdatePlan | undefined }[]): boolean {
    if (this.#opaque > 0) return false;
    let shared = false;
    for (const write of plan.writes) {
      if (write.fixedLength === 0 || write.fixedLength !== write.segments.length) return false;
      if (!exists(before, write.segments)) return false;
      if (this.#first.has(write.segments[0]!)) shared = true;
    }
    if (!shared) return true;
    /** Per write of `plan` that meets pending `$inc`s of its own path: the sum of their magnitudes. */
    let increments: Map<WriteTarget, number> | undefined;
    for (const { plan: other } of pending) {
      if (other === undefined) continue;
      for (const write of plan.writes) {
        for (const mine of other.writes) {
          if (!overlaps(write, mine)) continue;
          if (!bothIntegerInc(write, mine)) return false;
          increments ??= new Map();
          increments.set(write, (increments.get(write) ?? 0) + Math.abs(mine.arg as number));
        }
      }
    }
    if (increments === undefined) return true;
    for (const [write, magnitude] of increments) {
      const found = valueAt(before, write.segments);
      if (!Number.isSafeInteger(found)) return false;
      if (Math.abs(found as number) + Math.abs(write.arg as number) + magnitude > Number.MAX_SAFE_INTEGER) return false;
    }
    return true;
  }

  #count(patch: Patch, plan: UpdatePlan | undefined, by: 1 | -1): void {
    if (patch.if !== undefined || plan?.writes.some((write) => write.fixedLength === 0) === true) {
      this.#opaque += by;
      return;
    }
    for (const write of plan?.writes ?? []) {
      const key = write.segments[0]!;
      const count = (this.#first.get(key) ?? 0) + by;
      if (count === 0) this.#first.delete(key);
      else this.#first.set(key, count);
    }
  }
}

const NUMERIC = /^\d+$/;

/** Both writes are `$inc`s of the same concrete path (segment for segment) by a safe integer. */
function bothIntegerInc(a: WriteTarget, b: WriteTarget): boolean {
  if (a.op !== '$inc' || b.op !== '$inc') return false;
  if (!Number.isSafeInteger(a.arg) || !Number.isSafeInteger(b.arg)) return false;
  if (a.segments.length !== b.segments.length || b.fixedLength !== b.segments.length) return false;
  for (let i = 0; i < a.segments.length; i++) if (a.segments[i] !== b.segments[i]) return false;
  return true;
}

/** One segment may name what the other names: equal, or both numbers ('1' and '01' on an array). */
function sameSegment(a: string, b: string): boolean {
  return a === b || (NUMERIC.test(a) && NUMERIC.test(b));
}

/** The fixed prefix of one write is a prefix of the other's (what follows a positional matches anything). */
function overlaps(a: WriteTarget, b: WriteTarget): boolean {
  // The root is an object, never an array: its keys match only when equal. Most pending
  // writes fail here, without the numeric test (a regex) of sameSegment.
  if (a.fixedLength > 0 && b.fixedLength > 0 && a.segments[0] !== b.segments[0]) return false;
  const n = Math.min(a.fixedLength, b.fixedLength);
  for (let i = 0; i < n; i++) if (!sameSegment(a.segments[i]!, b.segments[i]!)) return false;
  return true;
}

/** Every segment of `segments` is there in `state`: an own key of an object, an index of an array. */
function exists(state: JsonObject, segments: readonly string[]): boolean {
  return valueAt(state, segments) !== undefined;
}

/** What `segments` leads to in `state`, undefined when a segment is not there. */
function valueAt(state: JsonObject, segments: readonly string[]): JsonValue | undefined {
  let node: JsonValue | undefined = state;
  for (const segment of segments) {
    if (Array.isArray(node)) {
      if (!NUMERIC.test(segment)) return undefined;
      const index = Number(segment);
      if (index >= node.length) return undefined;
      node = node[index];
    } else if (typeof node === 'object' && node !== null) {
      if (!Object.prototype.hasOwnProperty.call(node, segment)) return undefined;
      node = node[segment];
    } else return undefined;
  }
  return node;
}
