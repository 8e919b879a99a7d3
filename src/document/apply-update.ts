import { MemSyncError } from '../errors.js';
import type { JsonObject, JsonValue } from '../types.js';
import { arrayFilterMatcher, type ConditionCache } from './conditions.js';
import { CopyOnWrite, type SharedOwnership, type WriteTarget } from './cow.js';
import { type ApplyContext, type Leaf, materialize, readLeaf, writeLeaf } from './leaf.js';
import { planUpdate, type UpdatePlan, type UpdateSource } from './plan.js';
import { withRegexBudget } from './safe-regex.js';

/** What applying one update to a root gave. */
export interface UpdateResult {
  /** The new root, or the very same root when nothing changed. */
  root: JsonObject;
  /** Paths that changed (for `$[]`/`$[id]`, the array's path), in the plan's order. */
  changedPaths: string[];
}

/** Where a write is reported: the path itself, or the array before its first `$[`. */
function reportedPath(write: WriteTarget): string {
  return write.fixedLength === write.segments.length
    ? write.path
    : write.segments.slice(0, write.fixedLength).join('.');
}

/**
 * `$rename`: moves the value at the source leaf to the target leaf, creating the objects
 * along the target only now that there is something to move. Copy-on-write has made every
 * existing container along both paths private to the patch and checked their types.
 */
function rename(source: Leaf | undefined, target: Leaf | undefined): boolean {
  if (source === undefined || target === undefined) return false;
  const value = readLeaf(source);
  if (value === undefined) return false;
  delete (source.holder as JsonObject)[source.key as string];
  writeLeaf(materialize(target), value);
  return true;
}

/**
 * Where a patch of a batch is (batch.ts): after its checks, the operators write in place into
 * containers the batch owns, so a failure from then on leaves the batch's root half-written.
 */
export interface BatchPhase extends SharedOwnership {
  writing: boolean;
}

/**
 * Applies a planned update to `root` without changing it; see {@link applyUpdateTo}.
 * `wideKeys`: objects with this many keys or more are kept in chunks (default 65).
 * `batch`: one patch of a batch (batch.ts), which owns `root`: written in place, not sealed.
 * @throws MemSyncError `ERR_PATCH_FAILED`; `root` is untouched then (in a batch: unless
 *   `batch.writing` is left set, when the failure came after the first write).
 */
export function applyPlanTo(
  root: JsonObject,
  plan: UpdatePlan,
  conditions: ConditionCache,
  wideKeys?: number,
  batch?: BatchPhase,
): UpdateResult {
  // One budget for the regular expressions of this patch's array filters and $pull conditions.
  return withRegexBudget(() => applyPlanWithin(root, plan, conditions, wideKeys, batch));
}

function applyPlanWithin(
  root: JsonObject,
  plan: UpdatePlan,
  conditions: ConditionCache,
  wideKeys: number | undefined,
  batch: BatchPhase | undefined,
): UpdateResult {
  const cow = new CopyOnWrite(root, arrayFilterMatcher(plan.arrayFilters, conditions), wideKeys, batch);
  const writes = plan.writes;
  const leaves: Leaf[][] = new Array(writes.length);
  // Preparing only copies (or finds owned) containers and checks the paths: it writes nothing
  // a reader of the root could tell apart, so a failure here leaves even a batch's root as it was.
  for (let i = 0; i < writes.length; i++) leaves[i] = cow.prepare(writes[i]!);
  if (batch !== undefined) batch.writing = true;
  const context: ApplyContext = { conditions };
  let changed: string[] | undefined;
  try {
    for (let i = 0; i < writes.length; i++) {
      const write = writes[i]!;
      let wrote = false;
      if (write.spec.apply === undefined) {
        // $rename: this write is the source, the next one its target.
        wrote = rename(leaves[i]![0], leaves[++i]![0]);
      } else {
        for (const leaf of leaves[i]!) {
          if (write.spec.apply(materialize(leaf), write.arg as JsonValue, context)) wrote = true;
        }
      }
      if (!wrote) continue;
      const path = reportedPath(write);
      if (changed === undefined) changed = [path];
      else if (!changed.includes(path)) changed.push(path);
      if (write.spec.apply === undefined) changed.push(writes[i]!.path);
    }
  } catch (error) {
    if (error instanceof MemSyncError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new MemSyncError('ERR_PATCH_FAILED', message, { cause: error });
  }
  if (changed === undefined) {
    if (batch !== undefined) batch.writing = false;
    return { root, changedPaths: [] };
  }
  const sealed = cow.seal();
  if (batch !== undefined) batch.writing = false;
  return { root: sealed, changedPaths: changed };
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
