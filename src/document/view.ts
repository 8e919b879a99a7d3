import type { JsonObject, OrderedPatch, Patch } from '../types.js';
import { applyPlanTo, type UpdateResult } from './apply-update.js';
import { planUpdate, type UpdatePlan } from './plan.js';
import type { ApplyOutcome, PrecomputedUpdate, Replica } from './replica.js';
import { PendingWrites } from './view-commute.js';
import { applyAlone } from './lean.js';
import { withValuesFrom } from './wide-root.js';

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
  /** Set when the patch could be planned (whether or not it applied). */
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
 *
 * Rebasing is lazy: an entry of another writer that commutes with every pending patch
 * (view-commute.ts) is applied once, on top of the view, instead of replaying all of them
 * (what made a writer with many writes in flight slow down as others wrote). Most such
 * entries change only top-level keys no pending patch writes: the view then takes those
 * keys' new values from the replica's root (wide-root.ts `withValuesFrom`) rather than
 * applying the entry a second time, one chunk copy per key. The layers'
 * own roots are then out of date ("stale") though the view is exact; they are replayed only
 * when something needs them: an entry that does not commute, a withdrawal, or an own patch
 * ordered with another verdict than the view's.
 */
export class OptimisticView {
  #replica: Replica;
  /** This writer's peer id. */
  readonly peer: string;
  /** The confirmed state the layers were computed on. */
  #base: JsonObject;
  #layers: Layer[] = [];
  /** The view while patches are pending: the top layer's root, or that with entries applied on top. */
  #top: JsonObject;
  /** Entries were applied on top of the view since the layers were computed (see the class). */
  #stale = false;
  readonly #writes = new PendingWrites();
  /** How many times pending patches were replayed onto a new confirmed state (tests, diagnostics). */
  replays = 0;

  constructor(replica: Replica, peer: string) {
    this.#replica = replica;
    this.peer = peer;
    this.#base = replica.state;
    this.#top = replica.state;
  }

  /** The confirmed state when nothing is pending (the same object), else confirmed + pending. */
  get state(): JsonObject {
    return this.#layers.length === 0 ? this.#replica.state : this.#top;
  }

  /**
   * Nothing pending: the view is the replica's state, and an entry confirmed changes both
   * alike (so a frame's entries may go to the replica as one batch, replica-core.ts).
   */
  get idle(): boolean {
    return this.#layers.length === 0;
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
    if (this.#layers.length === 0) {
      this.#base = this.#replica.state;
      this.#stale = false;
    }
    const layer = this.#layer(before, patch);
    this.#layers.push(layer);
    this.#writes.add(patch, layer.plan);
    this.#top = layer.root;
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
    if (index === 0 && this.#settledAsShown(head, entry, outcome)) {
      // The replica did what the view had done: every layer above stays valid (or stays
      // exactly as stale as it was: the view itself is still right).
      this.#layers.shift();
      this.#writes.remove(head.patch, head.plan);
      this.#base = outcome.after;
      if (this.#layers.length === 0) this.#stale = false;
      return { outcome, own: head.patch, change: unchanged(before) };
    }
    if (index === -1 && this.#applyOnTop(entry, outcome)) {
      return { outcome, change: { before, after: this.#top, paths: outcome.changedPaths } };
    }
    const previous = this.#layers;
    const own = index === -1 ? undefined : previous[index]!.patch;
    const remaining = index === -1 ? previous : previous.filter((_, i) => i !== index);
    this.#rebuild(this.#replica.state, remaining);
    const change = this.#changeSince(before, previous, outcome.changedPaths);
    return own === undefined ? { outcome, change } : { outcome, own, change };
  }

  /**
   * The replica settled the view's oldest pending patch as the view shows it. With fresh
   * layers: it started from the layer's base and made the layer's root. With stale ones
   * (entries applied on top since) the roots cannot be compared; but those entries touched
   * nothing the patch reads or writes and it has no condition, so only the verdict can
   * differ (a stamp rule refusal, or a stamp the host lowered): compare that.
   */
  #settledAsShown(head: Layer, entry: OrderedPatch, outcome: ApplyOutcome): boolean {
    if (!this.#stale) return outcome.before === this.#base && outcome.after === head.root;
    return head.patch.ts === entry.patch.ts && outcome.applied === (head.result !== undefined);
  }

  /** Applies another writer's entry on top of the view when it commutes with every pending patch. */
  #applyOnTop(entry: OrderedPatch, outcome: ApplyOutcome): boolean {
    if (!outcome.applied) return false;
    // Keys no pending patch writes: their new values are the replica's, whatever the entry did.
    const keys = this.#writes.untouchedKeys(outcome.changedPaths);
    const taken = keys === undefined ? undefined : withValuesFrom(this.#top, outcome.after, keys);
    if (taken !== undefined) {
      this.#top = taken;
      this.#stale = true;
      return true;
    }
    try {
      const plan = planUpdate(entry.patch);
      if (!this.#writes.commutes(plan, outcome.before, this.#layers)) return false;
      this.#top = applyPlanTo(this.#top, plan, this.#replica.conditions, this.#replica.wideKeys).root;
    } catch {
      return false;
    }
    this.#stale = true;
    return true;
  }

  /** Replays `layers` onto `base`, the confirmed state: fresh layers again. */
  #rebuild(base: JsonObject, layers: readonly Layer[]): void {
    this.#base = base;
    this.#setLayers(this.#replay(base, layers));
  }

  #setLayers(layers: Layer[]): void {
    this.#layers = layers;
    this.#stale = false;
    this.#writes.clear();
    for (const layer of layers) this.#writes.add(layer.patch, layer.plan);
    this.#top = layers[layers.length - 1]?.root ?? this.#base;
  }

  /** Drops a pending patch (timed out, aborted) and replays the rest without it. */
  withdraw(peer: string, seq: number): ViewChange {
    const index = this.#indexOf(peer, seq);
    if (index === -1) return unchanged(this.state);
    const before = this.state;
    const previous = this.#layers;
    if (this.#stale) {
      // The layers' roots lack the entries applied on top: replay them all.
      this.#rebuild(this.#replica.state, previous.filter((_, i) => i !== index));
      return this.#changeSince(before, previous, []);
    }
    const kept = previous.slice(0, index);
    const from = kept[kept.length - 1]?.root ?? this.#base;
    this.#setLayers([...kept, ...this.#replay(from, previous.slice(index + 1))]);
    return this.#changeSince(before, previous, []);
  }

  /** Follows a replica that replaced the old one (a snapshot was installed). */
  rebaseOnto(replica: Replica): ViewChange {
    const before = this.state;
    this.#replica = replica;
    this.#rebuild(replica.state, this.#layers);
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
    if (layers.length > 0) this.replays++;
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
    let plan: UpdatePlan | undefined;
    try {
      plan = planUpdate(patch);
      if (patch.if !== undefined && !conditions.holds(patch.if, from)) {
        return { patch, from, root: from, result: undefined, plan };
      }
      const result = applyAlone(from, patch, plan, conditions, this.#replica.wideKeys);
      return { patch, from, root: result.root, result, plan };
    } catch {
      return { patch, from, root: from, result: undefined, plan };
    }
  }
}
