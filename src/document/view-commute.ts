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
    for (const { plan: other } of pending) {
      if (other === undefined) continue;
      for (const write of plan.writes) for (const mine of other.writes) if (overlaps(write, mine)) return false;
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

/** One segment may name what the other names: equal, or both numbers ('1' and '01' on an array). */
function sameSegment(a: string, b: string): boolean {
  return a === b || (NUMERIC.test(a) && NUMERIC.test(b));
}

/** The fixed prefix of one write is a prefix of the other's (what follows a positional matches anything). */
function overlaps(a: WriteTarget, b: WriteTarget): boolean {
  const n = Math.min(a.fixedLength, b.fixedLength);
  for (let i = 0; i < n; i++) if (!sameSegment(a.segments[i]!, b.segments[i]!)) return false;
  return true;
}

/** Every segment of `segments` is there in `state`: an own key of an object, an index of an array. */
function exists(state: JsonObject, segments: readonly string[]): boolean {
  let node: JsonValue | undefined = state;
  for (const segment of segments) {
    if (Array.isArray(node)) {
      if (!NUMERIC.test(segment)) return false;
      const index = Number(segment);
      if (index >= node.length) return false;
      node = node[index];
    } else if (typeof node === 'object' && node !== null) {
      if (!Object.prototype.hasOwnProperty.call(node, segment)) return false;
      node = node[segment];
    } else return false;
  }
  return true;
}
