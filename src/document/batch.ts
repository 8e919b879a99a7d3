import type { JsonObject } from '../types.js';
import { applyPlanTo, type BatchPhase, type UpdateResult } from './apply-update.js';
import type { ConditionCache } from './conditions.js';
import { type NestedNode, sealOwned } from './cow.js';
import type { Container } from './leaf.js';
import { applyLean, type LeanWrite } from './lean.js';
import { planUpdate, type UpdatePlan, type UpdateSource } from './plan.js';
import { WIDE_ROOT_KEYS } from './wide-root.js';

/** Operators that make a new array holding the elements of the old one. */
const MOVES_ELEMENTS: ReadonlySet<string> = new Set(['$push', '$pop', '$pull', '$pullAll', '$addToSet']);

/**
 * Many ordered patches applied in one copy-on-write pass. Applied one by one, each patch
 * copies everything it writes through, starting from the root, even when the patch before
 * it made that very copy a moment ago: 100,000 `$inc` replayed at start copied a 51-key root
 * 100,000 times. Here a container made by an earlier patch of the batch is the batch's own
 * (no one outside has seen it) and later patches write into it in place; the root is sealed
 * and frozen once, by {@link seal}.
 *
 * The root the batch started from, and everything it shares with older roots, is never
 * written: only containers the batch made are. So the roots in between are not values
 * anyone may keep (they are the same object, changing), but the one before the batch and
 * the sealed one after it are.
 *
 * A patch that fails stays as if never applied: its path checks run before its first write
 * (apply-update.ts), and a failure after it (an operator throwing half-way through a patch)
 * rebuilds the root from the batch's start, re-applying the patches applied so far one by
 * one.
 *
 * An object with many keys is kept in chunks (wide-root.ts), and written through a draft
 * that the sealing turns back into a chunked object where its holder keeps it. A patch that
 * may move an owned draft elsewhere is applied alone, between two batches: a `$rename`, and
 * an array operator rebuilding an array (its elements move to the new one) while the batch
 * has drafts below the root.
 */
export class WriteBatch {
  /** Where the batch started, or was last sealed: a sealed root, never written. */
  #start: JsonObject;
  /** The root as the batch's patches have written it so far. */
  #root: JsonObject;
  /** Patches applied since #start, to rebuild #root from it (lean ones as their source, planned only then). */
  #applied: Array<UpdatePlan | UpdateSource> = [];
  #phase: BatchPhase = newPhase();

  constructor(
    start: JsonObject,
    readonly conditions: ConditionCache,
    readonly wideKeys = WIDE_ROOT_KEYS,
  ) {
    this.#start = start;
    this.#root = start;
  }

  /** The root so far: unsealed, and written in place by the next patch (read it, keep it not). */
  get root(): JsonObject {
    return this.#root;
  }

  /**
   * Applies one patch to the batch's root.
   * @throws MemSyncError `ERR_PATCH_FAILED`; the root is as it was then (it may be another
   *   object holding the same document: read {@link root} again).
   */
  apply(plan: UpdatePlan): UpdateResult {
    if (this.#movesOwned(plan)) return this.#alone(plan);
    try {
      const result = applyPlanTo(this.#root, plan, this.conditions, this.wideKeys, this.#phase);
      if (result.changedPaths.length > 0) {
        this.#root = result.root;
        this.#applied.push(plan);
      }
      return result;
    } catch (error) {
      if (this.#phase.writing) this.#rebuild();
      throw error;
    }
  }

  /**
   * Applies a lean write (lean.ts) that `leanApplies` accepted for this root: the
   * containers the batch owns are written in place, as by {@link apply}. It cannot fail.
   */
  applyLean(write: LeanWrite, source: UpdateSource): UpdateResult {
    const result = applyLean(this.#root, write, this.wideKeys, this.#phase)!;
    if (result.changedPaths.length > 0) {
      this.#root = result.root;
      this.#applied.push(source);
    }
    return result;
  }

  /** The root, sealed and frozen (deferringFreeze defers that); the batch goes on from it. */
  seal(): JsonObject {
    if (this.#applied.length === 0) return this.#root;
    const { nested, rootGrows } = this.#phase;
    this.#restart(sealOwned(this.#root, nested, rootGrows, this.wideKeys, true));
    return this.#root;
  }

  #restart(root: JsonObject): void {
    this.#start = root;
    this.#root = root;
    this.#applied = [];
    this.#phase = newPhase();
  }

  #movesOwned(plan: UpdatePlan): boolean {
    const drafts = this.#phase.drafts > 0;
    for (const write of plan.writes) if (write.op === '$rename' || (drafts && MOVES_ELEMENTS.has(write.op))) return true;
    return false;
  }

  /** A patch applied as on its own, between what came before (sealed) and what comes after. */
  #alone(plan: UpdatePlan): UpdateResult {
    const before = this.seal();
    const result = applyPlanTo(before, plan, this.conditions, this.wideKeys);
    this.#restart(result.root);
    return result;
  }

  /** A patch failed after writing into owned containers: the root again, from the start. */
  #rebuild(): void {
    let root = this.#start;
    for (const done of this.#applied) {
      const plan = 'writes' in done ? done : planUpdate(done);
      root = applyPlanTo(root, plan, this.conditions, this.wideKeys).root;
    }
    this.#restart(root);
  }
}

function newPhase(): BatchPhase {
  return { owned: new Set<Container>(), nested: [] as NestedNode[], rootGrows: false, drafts: 0, writing: false };
}
