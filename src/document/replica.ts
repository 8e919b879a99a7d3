import { TICKS_PER_MS } from '../clock/hlc.js';
import { ProtocolError } from '../errors.js';
import type { JsonObject, JsonValue, OrderedPatch, Patch, RefusalReason } from '../types.js';
import { applyPlanTo, type UpdateResult } from './apply-update.js';
import { WriteBatch } from './batch.js';
import { ConditionCache } from './conditions.js';
import { isWideRoot, WIDE_ROOT_KEYS, wideRoot } from './wide-root.js';
import { deferringFreeze, isFrozenNode } from './freeze.js';
import { type DocumentLimits, resolveDocumentLimits } from './limits.js';
import { applyLean, leanApplies, type LeanWrite, leanWrite } from './lean.js';
import { planUpdate, type UpdatePlan } from './plan.js';
import { checkSnapshot, copyState, type ReplicaSnapshot, type WriterMark } from './snapshot.js';
import { StampTable } from './stamps.js';

/**
 * Told, for an entry applied into an open batch ({@link Replica.applyInBatch}), the paths it
 * may write (cut before any positional segment) before it writes anything, with the root as
 * it is then (the batch's, unsealed: read it now, keep nothing of it). Returning true seals
 * the batch first, so that the outcome's `before` is a frozen root the caller may keep.
 */
export type BatchWatch = (paths: readonly string[], root: JsonObject) => boolean;

/** Every path a plan writes, cut before its first positional segment (`a.$[].b` -> `a`). */
function writtenPrefixes(plan: UpdatePlan): string[] {
  const paths: string[] = [];
  for (const write of plan.writes) {
    paths.push(write.fixedLength === write.segments.length ? write.path : write.segments.slice(0, write.fixedLength).join('.'));
  }
  return paths;
}

export interface ReplicaOptions {
  /** Bounds on the initial document and on snapshots received. */
  limits?: Partial<DocumentLimits>;
  /**
   * How long (in milliseconds of patch time) the timestamp table remembers a write. It must
   * be the same on every replica of a mesh: the mesh fixes it, tests shorten it.
   * @default STAMP_RETENTION_MS (10 minutes)
   */
  stampRetentionMs?: number;
  /**
   * A root with this many top-level keys or more is kept in chunks (wide-root.ts), and so is
   * any object below it with this many keys once a patch writes into it. Tests set 0 to run
   * small documents through that path.
   * @default WIDE_ROOT_KEYS (65)
   */
  wideRootKeys?: number;
}

/**
 * The timestamp table forgets writes this much older than the newest patch applied, and an
 * absolute write stamped before that horizon is refused as stale. A patch is stamped when
 * `patch()` is called and ordered within its timeout (30 s by default) or given up, so an
 * honest write is never that late; without a horizon the table would keep one entry for
 * every path ever written, forever.
 */
export const STAMP_RETENTION_MS = 10 * 60_000;

/** What applying one ordered entry did. */
export interface ApplyOutcome {
  applied: boolean;
  reason?: RefusalReason;
  /** For `reason: 'failed'`: why (mingo's message, or ours). */
  message?: string;
  /** Paths that changed; empty when refused or when the update changed nothing. */
  changedPaths: string[];
  /** The state before this entry. */
  before: JsonObject;
  /** The state after it: the same object as `before` when nothing changed. */
  after: JsonObject;
}

/**
 * The result of applying a patch to `base`, computed ahead (by an optimistic view). The
 * replica takes it instead of recomputing when its state is still `base`, and the plan (the
 * patch's, whatever the state) in any case.
 */
export interface PrecomputedUpdate {
  base: JsonObject;
  plan: UpdatePlan;
  result: UpdateResult;
}

/**
 * Freezes what a replay made (freezing was deferred meanwhile). `freezeFresh` stops at a
 * chunked object (wide-root.ts, read-only already), but one made or written during the
 * replay may hold fresh values: so chunked objects are walked, and plain nodes already
 * frozen (made before the replay, frozen throughout) end the walk.
 */
function freezeReplayed(value: JsonValue | undefined): void {
  if (typeof value !== 'object' || value === null) return;
  if (!isWideRoot(value)) {
    if (isFrozenNode(value)) return;
    Object.freeze(value);
  }
  if (Array.isArray(value)) {
    for (const element of value) freezeReplayed(element);
    return;
  }
  for (const key of Object.keys(value)) freezeReplayed(value[key]);
}

/**
 * The replicated state machine: the document, its version, the timestamp table and the
 * exactly-once table. Every replica fed the same ordered entries reaches byte-identical
 * state. `state` is an immutable root: each change makes a new one.
 *
 * Entries are expected to carry patches checked by `validatePatchInput` (the host
 * validates before it orders). `apply` does not validate again against this replica's
 * limits, which could differ from replica to replica and split their verdicts; an update
 * that is malformed anyway is refused as `failed`, the same way everywhere.
 */
export class Replica {
  #state: JsonObject;
  #version = 0;
  #epoch = 0;
  #stamps = new StampTable();
  /** Absolute writes stamped before this are stale: the table has forgotten older stamps. */
  #horizon = 0;
  readonly #retention: number;
  #seqs = new Map<string, WriterMark>();
  /** The batch {@link applyInBatch} writes into, until sealed: #state may be its unsealed root. */
  #open: WriteBatch | undefined;
  readonly limits: DocumentLimits;
  /** Compiled conditions, shared with views over this replica. */
  readonly conditions = new ConditionCache();
  /** Objects with this many keys or more are chunked (ReplicaOptions.wideRootKeys); views follow. */
  readonly wideKeys: number | undefined;

  /** @param initial - The document at version 0; deep-copied. */
  constructor(initial: JsonObject, options: ReplicaOptions = {}) {
    this.limits = resolveDocumentLimits(options.limits);
    this.#retention = (options.stampRetentionMs ?? STAMP_RETENTION_MS) * TICKS_PER_MS;
    this.wideKeys = options.wideRootKeys;
    this.#state = wideRoot(copyState(initial, this.limits), options.wideRootKeys);
  }

  /**
   * The current document, frozen throughout. Never mutated: a change makes a new root. With
   * a batch open ({@link applyInBatch}) reading it seals the batch: whoever looks between two
   * entries of a frame sees the state after the first, exact and frozen, and only a look pays.
   */
  get state(): JsonObject {
    if (this.#open !== undefined) this.#state = this.#open.seal();
    return this.#state;
  }

  /** Version of the last entry applied (0 initially). */
  get version(): number {
    return this.#version;
  }

  /** Epoch of the last entry applied (0 initially). */
  get epoch(): number {
    return this.#epoch;
  }

  /** The last seq of `peer` this replica applied or refused (0 when none). */
  lastSeq(peer: string): number {
    return this.#seqs.get(peer)?.seq ?? 0;
  }

  /**
   * Applies the next ordered entry. Refusals (duplicate, condition, stale, failed) still
   * take the entry's version, and still mark its seq as seen.
   *
   * @param precomputed - The same patch's plan, and its result on `base` (optional): see {@link PrecomputedUpdate}.
   * @throws ProtocolError `ERR_PROTOCOL` when the entry is not the next version or is
   *   malformed; nothing changes then.
   */
  apply(entry: OrderedPatch, precomputed?: PrecomputedUpdate): ApplyOutcome {
    this.endBatch();
    return this.#applyEntry(entry, precomputed, undefined);
  }

  /**
   * Applies the next entry as {@link apply} does, into a batch that stays open across calls
   * (one copy-on-write pass for a frame's entries, batch.ts) until {@link endBatch}, an
   * {@link apply}, or a read of {@link state} seals it. The outcome's `before` and `after`
   * are the batch's root as it was being written, not values to keep (unless `watch` asked
   * for a seal: then `before` is one). An entry that is refused or fails leaves nothing of
   * itself, as one by one.
   * @throws ProtocolError as {@link apply}; the entries before it stay applied.
   */
  applyInBatch(entry: OrderedPatch, watch?: BatchWatch): ApplyOutcome {
    this.#open ??= new WriteBatch(this.#state, this.conditions, this.wideKeys);
    return this.#applyEntry(entry, undefined, this.#open, watch);
  }

  /** Seals the batch {@link applyInBatch} opened, if any: the state is a frozen root again. */
  endBatch(): void {
    if (this.#open === undefined) return;
    this.#state = this.#open.seal();
    this.#open = undefined;
  }

  #applyEntry(entry: OrderedPatch, precomputed: PrecomputedUpdate | undefined, batch: WriteBatch | undefined, watch?: BatchWatch): ApplyOutcome {
    this.#checkEntry(entry);
    this.#version = entry.version;
    this.#epoch = entry.epoch;
    const outcome = this.#applyPatch(entry.patch, precomputed, batch, watch);
    this.#advanceHorizon(entry.patch.ts);
    return outcome;
  }

  /**
   * Applies consecutive entries as {@link apply} does, in one copy-on-write pass (batch.ts)
   * sealed and frozen once at the end (nobody sees the roots in between): a store's log at
   * start. `check` runs before each entry; when it or an entry throws, the replica is unusable.
   */
  replay(entries: Iterable<OrderedPatch>, check?: (entry: OrderedPatch) => void): void {
    deferringFreeze(() => {
      const batch = new WriteBatch(this.#state, this.conditions, this.wideKeys);
      for (const entry of entries) {
        check?.(entry);
        this.#applyEntry(entry, undefined, batch);
      }
      this.#state = batch.seal();
    });
    freezeReplayed(this.#state);
  }

  /**
   * Applies consecutive entries as {@link apply} does, in one copy-on-write pass, and returns
   * each entry's outcome. Its `before` and `after` are the batch's root as it was being
   * written, not values to keep: only {@link state} after the call is (sealed and frozen).
   * An entry that is refused or fails leaves nothing of itself in the state, as one by one.
   * @throws ProtocolError as {@link apply}: the entries before the one that threw are applied.
   */
  applyBatch(entries: readonly OrderedPatch[]): ApplyOutcome[] {
    this.endBatch();
    const batch = new WriteBatch(this.#state, this.conditions, this.wideKeys);
    const outcomes: ApplyOutcome[] = [];
    try {
      for (const entry of entries) outcomes.push(this.#applyEntry(entry, undefined, batch));
    } finally {
      this.#state = batch.seal();
    }
    return outcomes;
  }

  #applyPatch(patch: Patch, precomputed: PrecomputedUpdate | undefined, batch: WriteBatch | undefined, watch?: BatchWatch): ApplyOutcome {
    let before = this.#state;
    const mark = this.#seqs.get(patch.peer);
    if (mark === undefined) {
      // A writer the table does not know: new, or forgotten with its last patch older than
      // the horizon. A patch that old could be a resend of one already applied: refused.
      if (patch.ts < this.#horizon) return refused(before, 'stale');
      this.#seqs.set(patch.peer, { seq: patch.seq, ts: patch.ts });
    } else {
      if (patch.seq <= mark.seq) return refused(before, 'duplicate');
      mark.seq = patch.seq;
      if (patch.ts > mark.ts) mark.ts = patch.ts;
    }
    try {
      if (patch.if !== undefined && !this.conditions.holds(patch.if, before))
        return refused(before, 'condition');
    } catch (error) {
      return refused(before, 'failed', `condition: ${messageOf(error)}`);
    }
    const reuse = precomputed !== undefined && precomputed.base === before;
    if (!reuse) {
      const lean = leanWrite(patch);
      if (lean !== undefined) {
        const outcome = this.#applyLean(patch, lean, before, batch, watch);
        if (outcome !== undefined) return outcome;
      }
    }
    let plan: UpdatePlan;
    try {
      // The plan depends on the patch alone, so it holds on any state; only the result was
      // made on `base`. (A lean write, above, needs no plan.)
      plan = precomputed !== undefined ? precomputed.plan : planUpdate(patch);
    } catch (error) {
      return refused(before, 'failed', messageOf(error));
    }
    if (this.#isStale(plan, patch)) return refused(before, 'stale');
    if (batch !== undefined && watch?.(writtenPrefixes(plan), before) === true) {
      before = batch.seal();
      this.#state = before;
    }
    let result: UpdateResult;
    try {
      if (batch !== undefined) result = batch.apply(plan);
      else result = reuse ? precomputed.result : applyPlanTo(before, plan, this.conditions, this.wideKeys);
    } catch (error) {
      // A batch may have rebuilt its root (the same document, another object).
      if (batch !== undefined) this.#state = batch.root;
      return refused(this.#state, 'failed', messageOf(error));
    }
    const stamp = { ts: patch.ts, peer: patch.peer };
    for (const write of plan.writes) this.#stamps.record(write.segments, write.fixedLength, stamp);
    this.#state = result.root;
    return { applied: true, changedPaths: result.changedPaths, before, after: result.root };
  }

  /**
   * The lean path (lean.ts), once the patch's condition holds: the general path's steps from the
   * timestamp rule on, in the same order, for one plain-path write. Undefined, with nothing
   * done, when the lean path does not apply to this state: the general path runs instead.
   */
  #applyLean(patch: Patch, lean: LeanWrite, root: JsonObject, batch: WriteBatch | undefined, watch: BatchWatch | undefined): ApplyOutcome | undefined {
    if (!leanApplies(root, lean)) return undefined;
    const segments = lean.segments;
    if (lean.op !== '$inc' && (patch.ts < this.#horizon || this.#stamps.hasNewerOverlap(segments, segments.length, patch.ts, patch.peer))) {
      return refused(root, 'stale');
    }
    let before = root;
    let result: UpdateResult | undefined;
    if (batch !== undefined) {
      const sealed = watch?.(lean.paths, before) === true;
      if (sealed) {
        before = batch.seal();
        this.#state = before;
      }
      // Sealing may have chunked the root or an object on the path: then as the general path.
      if (!sealed || leanApplies(before, lean)) result = batch.applyLean(lean, patch);
      else {
        try {
          result = batch.apply(planUpdate(patch));
        } catch (error) {
          this.#state = batch.root;
          return refused(this.#state, 'failed', messageOf(error));
        }
      }
    } else {
      result = applyLean(before, lean, this.wideKeys ?? WIDE_ROOT_KEYS);
      if (result === undefined) return undefined;
    }
    this.#stamps.record(segments, segments.length, { ts: patch.ts, peer: patch.peer });
    this.#state = result.root;
    return { applied: true, changedPaths: result.changedPaths, before, after: result.root };
  }

  /**
   * Moves the horizon up once patch time has gone half a retention past it, and prunes the
   * table then: a walk of the table every few minutes of patch time, not one per patch. It
   * depends only on the entries applied (and the horizon a snapshot carries), so every
   * replica prunes at the same entry and judges every later write alike.
   */
  #advanceHorizon(ts: number): void {
    const candidate = ts - this.#retention;
    if (candidate <= this.#horizon + this.#retention / 2) return;
    this.#horizon = candidate;
    this.#stamps.prune(candidate);
    // Writers silent since before the horizon are forgotten too: a process gone for good
    // (most ids are random per process) no longer costs an entry in every replica forever.
    for (const [peer, mark] of this.#seqs) if (mark.ts < candidate) this.#seqs.delete(peer);
  }

  /** Plain JSON of everything this replica is. The state is shared, not copied: it is immutable. */
  snapshot(): ReplicaSnapshot {
    return {
      state: this.state,
      version: this.#version,
      epoch: this.#epoch,
      stamps: this.#stamps.toJSON(),
      horizon: this.#horizon,
      seqs: [...this.#seqs].map(([peer, { seq, ts }]) => [peer, seq, ts]),
    };
  }

  /**
   * A replica from a snapshot received from a peer.
   * @throws ProtocolError `ERR_PROTOCOL` when the snapshot is malformed.
   */
  static fromSnapshot(snapshot: unknown, options: ReplicaOptions = {}): Replica {
    const limits = resolveDocumentLimits(options.limits);
    const checked = checkSnapshot(snapshot, limits);
    const replica = new Replica({}, options);
    // A snapshot's state is parsed from frames (or built from its parts): made here, frozen once.
    replica.#state = wideRoot(checked.state, options.wideRootKeys);
    replica.#version = checked.version;
    replica.#epoch = checked.epoch;
    replica.#stamps = checked.stamps;
    replica.#horizon = checked.horizon;
    replica.#seqs = checked.seqs;
    return replica;
  }

  /**
   * An absolute write is stale when an overlapping path holds a newer stamp, or when it is
   * older than the horizon (a newer stamp may have been forgotten).
   */
  #isStale(plan: UpdatePlan, patch: Patch): boolean {
    for (const write of plan.writes) {
      if (!write.absolute) continue;
      if (patch.ts < this.#horizon) return true;
      if (this.#stamps.hasNewerOverlap(write.segments, write.fixedLength, patch.ts, patch.peer)) {
        return true;
      }
    }
    return false;
  }

  #checkEntry(entry: OrderedPatch): void {
    if (entry.version !== this.#version + 1) {
      throw new ProtocolError(
        'ERR_PROTOCOL',
        `entry version ${entry.version} does not follow ${this.#version}: entries must be applied in order, none skipped`,
      );
    }
    if (!Number.isSafeInteger(entry.epoch) || entry.epoch < this.#epoch) {
      throw new ProtocolError(
        'ERR_PROTOCOL',
        `entry epoch ${entry.epoch} is older than ${this.#epoch}`,
      );
    }
    const patch: Partial<Patch> | undefined = entry.patch;
    if (
      typeof patch?.peer !== 'string' ||
      !Number.isSafeInteger(patch.seq) ||
      (patch.seq ?? 0) < 1 ||
      !Number.isSafeInteger(patch.ts) ||
      (patch.ts ?? -1) < 0
    ) {
      throw new ProtocolError(
        'ERR_PROTOCOL',
        'an entry needs a patch with peer, seq >= 1 and ts >= 0',
      );
    }
  }
}

function refused(state: JsonObject, reason: RefusalReason, message?: string): ApplyOutcome {
  const outcome: ApplyOutcome = {
    applied: false,
    reason,
    changedPaths: [],
    before: state,
    after: state,
  };
  if (message !== undefined) outcome.message = message;
  return outcome;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
