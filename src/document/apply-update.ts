import { MemSyncError } from '../errors.js';
import type { JsonObject } from '../types.js';
import { arrayFilterMatcher, type ConditionCache } from './conditions.js';
import { CopyOnWrite } from './cow.js';
import { planUpdate, type UpdatePlan, type UpdateSource } from './plan.js';
import { withRegexBudget } from './safe-regex.js';

/** What applying one update to a root gave. */
export interface UpdateResult {
  /** The new root, or the very same root when nothing changed. */
  root: JsonObject;
  /** Paths mingo reports as modified (for `$[]`/`$[id]`, the array's path). */
  changedPaths: string[];
}

/**
 * Applies a planned update to `root` without changing it; see {@link applyUpdateTo}.
 * @throws MemSyncError `ERR_PATCH_FAILED`; `root` is untouched then.
 */
export function applyPlanTo(
  root: JsonObject,
  plan: UpdatePlan,
  conditions: ConditionCache,
): UpdateResult {
  // One budget for the regular expressions of this patch's array filters and $pull conditions.
  return withRegexBudget(() => applyPlanWithin(root, plan, conditions));
}

function applyPlanWithin(root: JsonObject, plan: UpdatePlan, conditions: ConditionCache): UpdateResult {
  const cow = new CopyOnWrite(root, arrayFilterMatcher(plan.arrayFilters, conditions));
  for (const write of plan.writes) cow.prepare(write);
  // MongoDB creates the array even when $slice leaves it empty: that is a change too. The
  // list is the copy-on-write's own (made for this call alone), extended in place.
  let changed: string[] = cow.created;
  try {
    for (const { spec, expr } of plan.runs) {
      const paths =
        (plan.arrayFilters.length === 0 ? spec.fast?.(expr, cow.root) : undefined) ??
        spec.run(expr, plan.arrayFilters)(cow.root);
      if (changed.length === 0) changed = paths;
      else for (const path of paths) changed.push(path);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new MemSyncError('ERR_PATCH_FAILED', message, { cause: error });
  }
  if (changed.length === 0) return { root, changedPaths: [] };
  cow.fillHoles();
  return { root: cow.root, changedPaths: changed.length === 1 ? changed : [...new Set(changed)] };
}

/**
 * Applies one update to `root` without changing it: returns a new root (copy-on-write),
 * or `root` itself when nothing changed. Deterministic: the same root and patch give the
 * same result on every replica. Conditions and the timestamp rule are judged elsewhere.
 *
 * @throws MemSyncError `ERR_PATCH_FAILED` when the update cannot apply to this state;
 *   `root` is untouched then.
 */
export function applyUpdateTo(
  root: JsonObject,
  patch: UpdateSource,
  conditions: ConditionCache,
): UpdateResult {
  return applyPlanTo(root, planUpdate(patch), conditions);
}
