// The optimistic view as it was before lazy rebasing (every foreign entry replays every pending
// patch): the straightforward definition the property tests hold OptimisticView to.
import type { JsonObject, OrderedPatch, Patch } from '../../../src/types.js';
import { applyPlanTo, type UpdateResult } from '../../../src/document/apply-update.js';
import { planUpdate, type UpdatePlan } from '../../../src/document/plan.js';
import type { ApplyOutcome, PrecomputedUpdate, Replica } from '../../../src/document/replica.js';

/** How the view changed. `before === after` and no paths when nothing changed. */
export interface ViewChange {
  before: JsonObject;
  after: JsonObject;
  /** Every path that may differ between `before` and `after` (a superset: compare to be sure). */
  paths: string[];
}

/** What confirming one ordered entry did to the replica and to the view. */
export interface ConfirmResult {
  outcome: ApplyOutcome;
  /** The pending patch this entry settled, when it was one of this view's. */
  own?: Patch;
  change: ViewChange;
}

/** One pending patch as the view applied it. */
interface Layer {
  readonly patch: Patch;
  /** The view root this patch was applied to. */
  readonly from: JsonObject;
  /** The view root after it: `from` itself when it changed nothing or could not apply. */
  readonly root: JsonObject;
  /** Set when the patch applied: what a replica can take instead of recomputing. */
  readonly result: UpdateResult | undefined;
  readonly plan: UpdatePlan | undefined;
}

function unchanged(state: JsonObject): ViewChange {
  return { before: state, after: state, paths: [] };
}

function samePatch(patch: Patch, peer: string, seq: number): boolean {
  return patch.peer === peer && patch.seq === seq;
}

/**
 * Read-your-writes over a {@link Replica}: the confirmed state with this writer's pending
 * patches replayed on top, in order. Conditions are judged on the view; there is no stale
 * check (a writer's own stamp is newer than all it has seen). When ordered entries from
 * others arrive, pending patches are rebased onto the new confirmed state.
 */
export class ReferenceView {
  #replica: Replica;
  /** This writer's peer id. */
  readonly peer: string;
  /** The confirmed state the layers were computed on. */
  #base: JsonObject;
  #layers: Layer[] = [];

  constructor(replica: Replica, peer: string) {
    this.#replica = replica;
    this.peer = peer;
    this.#base = replica.state;
  }

  /** The confirmed state when nothing is pending (the same object), else confirmed + pending. */
  get state(): JsonObject {
    const top = this.#layers[this.#layers.length - 1];
    return top === undefined ? this.#replica.state : top.root;
  }

  /** Patches proposed and not yet confirmed or withdrawn, oldest first. */
  get pending(): readonly Patch[] {
    return this.#layers.map((layer) => layer.patch);
  }

  get replica(): Replica {
    return this.#replica;
  }

  /**
   * Shows a new own patch at once. A false condition, or an update that cannot apply to the
   * view (`$push` onto a number), keeps it pending without effect: whether it applies is the
   * ordered state's verdict alone, so the caller learns it the same way (`applied: false`)
   * whether the state that refuses it was already here or is made elsewhere first.
   */
  propose(patch: Patch): ViewChange {
    const before = this.state;
    if (this.#layers.length === 0) this.#base = this.#replica.state;
    const layer = this.#layer(before, patch);
    this.#layers.push(layer);
    return layer.result === undefined
      ? unchanged(before)
      : { before, after: layer.root, paths: layer.result.changedPaths };
  }

  /** Applies the next ordered entry to the replica and brings the view along. */
  confirm(entry: OrderedPatch): ConfirmResult {
    const before = this.state;
    const index =
      entry.patch.peer === this.peer ? this.#indexOf(entry.patch.peer, entry.patch.seq) : -1;
    const head = this.#layers[0];
    let hint: PrecomputedUpdate | undefined;
    if (
      index === 0 &&
      head?.result !== undefined &&
      head.plan !== undefined &&
      head.patch.ts === entry.patch.ts
    ) {
      hint = { base: head.from, plan: head.plan, result: head.result };
    }
    const outcome = this.#replica.apply(entry, hint);
    if (head === undefined) {
      return {
        outcome,
        change: { before: outcome.before, after: outcome.after, paths: outcome.changedPaths },
      };
    }
    if (index === -1 && outcome.after === outcome.before)
      return { outcome, change: unchanged(before) };
    if (index === 0 && outcome.before === this.#base && outcome.after === head.root) {
      // The replica did exactly what the view had done: every layer above stays valid.
      this.#layers.shift();
      this.#base = outcome.after;
      return { outcome, own: head.patch, change: unchanged(before) };
    }
    const previous = this.#layers;
    const own = index === -1 ? undefined : previous[index]!.patch;
    const remaining = index === -1 ? previous : previous.filter((_, i) => i !== index);
    this.#base = this.#replica.state;
    this.#layers = this.#replay(this.#base, remaining);
    const change = this.#changeSince(before, previous, outcome.changedPaths);
    return own === undefined ? { outcome, change } : { outcome, own, change };
  }

  /** Drops a pending patch (timed out, aborted) and replays the rest without it. */
  withdraw(peer: string, seq: number): ViewChange {
    const index = this.#indexOf(peer, seq);
    if (index === -1) return unchanged(this.state);
    const before = this.state;
    const previous = this.#layers;
    const kept = previous.slice(0, index);
    const from = kept[kept.length - 1]?.root ?? this.#base;
    this.#layers = [...kept, ...this.#replay(from, previous.slice(index + 1))];
    return this.#changeSince(before, previous, []);
  }

  /** Follows a replica that replaced the old one (a snapshot was installed). */
  rebaseOnto(replica: Replica): ViewChange {
    const before = this.state;
    this.#replica = replica;
    this.#base = replica.state;
    this.#layers = this.#replay(this.#base, this.#layers);
    const after = this.state;
    if (after === before) return unchanged(before);
    // The whole document may differ: name each top-level field whose value was replaced.
    const paths = new Set<string>();
    for (const key of Object.keys(before)) if (before[key] !== after[key]) paths.add(key);
    for (const key of Object.keys(after)) if (before[key] !== after[key]) paths.add(key);
    return { before, after, paths: [...paths] };
  }

  #indexOf(peer: string, seq: number): number {
    return this.#layers.findIndex((layer) => samePatch(layer.patch, peer, seq));
  }

  #changeSince(
    before: JsonObject,
    previous: readonly Layer[],
    extra: readonly string[],
  ): ViewChange {
    const after = this.state;
    if (after === before) return unchanged(before);
    const paths = new Set(extra);
    for (const layer of previous)
      for (const path of layer.result?.changedPaths ?? []) paths.add(path);
    for (const layer of this.#layers)
      for (const path of layer.result?.changedPaths ?? []) paths.add(path);
    return { before, after, paths: [...paths] };
  }

  #replay(from: JsonObject, layers: readonly Layer[]): Layer[] {
    const replayed: Layer[] = [];
    let root = from;
    for (const { patch } of layers) {
      const layer = this.#layer(root, patch);
      replayed.push(layer);
      root = layer.root;
    }
    return replayed;
  }

  /** Applies one pending patch to `from`; one that cannot apply there has no effect. */
  #layer(from: JsonObject, patch: Patch): Layer {
    const conditions = this.#replica.conditions;
    try {
      if (patch.if !== undefined && !conditions.holds(patch.if, from)) {
        return { patch, from, root: from, result: undefined, plan: undefined };
      }
      const plan = planUpdate(patch);
      const result = applyPlanTo(from, plan, conditions, this.#replica.wideKeys);
      return { patch, from, root: result.root, result, plan };
    } catch {
      return { patch, from, root: from, result: undefined, plan: undefined };
    }
  }
}
