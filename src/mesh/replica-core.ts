import { HybridClock, TICKS_PER_MS } from '../clock/hlc.js';
import { firstSeqBase } from '../clock/write-numbers.js';
import {
  type ApplyOutcome,
  type BatchWatch,
  OptimisticView,
  Replica,
  type ReplicaSnapshot,
  type ViewChange,
} from '../document/index.js';
import { applyStarted, Diagnostics, publishOutcome } from '../diagnostics/index.js';
import { MemSyncError } from '../errors.js';
import type { JsonObject, OrderedPatch, Patch, PatchResult, RefusedPatch } from '../types.js';
import { MAX_CLOCK_LEAD_MS } from './admission.js';
import { EntryLog, type SegmentEncoder } from './entry-log.js';
import { Outbox } from './outbox.js';

/**
 * Messaging's hook (src/messaging): ordered entries that carry a lock operation, snapshots
 * installed (the lock table travels beside the document, never in it), and what to add to a
 * snapshot this replica sends.
 */
export interface CoreMessagingHook {
  ordered(entry: OrderedPatch): void;
  installed(snapshot: ReplicaSnapshot): void;
  extra(): Record<string, unknown>;
}

const STAMP_LEAD = MAX_CLOCK_LEAD_MS * TICKS_PER_MS;

type ChangeMeta = { version: number; origin: string; local: boolean };

/**
 * What the owner's observers need of entries applied in one batch (observe/registry.ts
 * implements it), where the states between two entries are one root written in place: see
 * {@link ReplicaCore.beginFrame}. `prepare` is asked before an entry writes, with the paths
 * it may write and the root then: undefined when nobody needs to hear of them, null when
 * someone needs whole frozen states (told through viewChanged), else what to `settle` with
 * the root after the entry and to `notifyPrepared` where viewChanged would have been called.
 */
export interface FrameWatch<P = unknown> {
  prepare(paths: readonly string[], root: JsonObject): P | null | undefined;
  settle(prepared: P, root: JsonObject, stable: () => JsonObject): void;
  notifyPrepared(prepared: P, meta: ChangeMeta): void;
}

/** What the core tells its owner: every change of the view, and refusals of own patches. */
export interface CoreListener {
  viewChanged(change: ViewChange, meta: ChangeMeta): void;
  /**
   * Optional: how the owner hears of entries applied in a batch, asked before each entry of
   * a frame; undefined (or no method) when every change needs whole states (a `change`
   * listener): the entry is then applied alone, as outside a frame.
   */
  frameWatch?(): FrameWatch | undefined;
  /** The confirmed version moved (an ordered entry, or a snapshot). */
  advanced(version: number): void;
  ownRefused(patch: Patch, result: RefusedPatch): void;
}

export interface ReplicaCoreOptions {
  peer: string;
  defaults: JsonObject;
  logSize: number;
  /** Bytes of JSON the catch-up log keeps at most (entry-log.ts). */
  logBytes?: number;
  now: () => number;
  /** Where this replica's log lines go (diagnostics/log.ts); default NODE_DEBUG only. */
  diagnostics?: Diagnostics;
  limits: ConstructorParameters<typeof Replica>[1] extends infer O ? O : never;
  /** How the log keeps a segment of entries that came in no frame (entry-log.ts). */
  encodeLog?: SegmentEncoder;
}

/**
 * One replica's state machine, whatever its role: the confirmed replica, the optimistic
 * view over it, the catch-up log, the clock and the outbox of own unordered patches.
 * Host and client roles feed it ordered entries; it never touches a socket.
 */
export class ReplicaCore {
  replica: Replica;
  view: OptimisticView;
  readonly log: EntryLog;
  readonly clock: HybridClock;
  readonly outbox: Outbox;
  /** Newest epoch seen anywhere: a host older than this must not lead us. */
  knownEpoch = 0;
  /** Some own patch has been sent to a host: from then on our numbers are fixed. */
  submitted = false;
  /**
   * Set by a host with members: an own patch it orders is acknowledged only once another
   * replica holds it (releaseOwn), so a host that dies just after it answered cannot take
   * an acknowledged write with it.
   */
  holdOwn = false;
  /**
   * Set while a client's host has not yet said it is known (client-role.ts, `known`): a next
   * host might not wait for this replica after a failover, so no own write is acknowledged,
   * however it was ordered (a previous host's, arriving in the catch-up, say). What the host
   * said it holds meanwhile is released when the gate opens.
   */
  #gate: { release: number } | undefined;
  /** Messaging's hook, set by its owner (see CoreMessagingHook). */
  messaging: CoreMessagingHook | undefined;
  /** This replica's log lines, for the roles too (they share the core). */
  readonly diagnostics: Diagnostics;
  private held: Array<{ seq: number; result: PatchResult; patch: Patch }> = [];
  /** Between beginFrame and endFrame: entries may be applied into one batch. */
  #inFrame = false;
  /** The prepared transition of the entry being applied in a batch (see #applyInBatch). */
  #prepared: unknown;
  #watch: FrameWatch | undefined;
  /** The replica's BatchWatch for the entry being applied (made once: no closure per entry). */
  readonly #batchWatch: BatchWatch = (paths, root) => {
    this.#prepared = this.#watch!.prepare(paths, root);
    return this.#prepared === null;
  };
  private seq = 0;

  constructor(
    private readonly options: ReplicaCoreOptions,
    private readonly listener: CoreListener,
  ) {
    this.replica = new Replica(options.defaults, options.limits);
    this.view = new OptimisticView(this.replica, options.peer);
    this.log = new EntryLog(options.logSize, options.logBytes, options.encodeLog);
    this.clock = new HybridClock(options.now);
    this.seq = firstSeqBase(options.now());
    this.outbox = new Outbox((patch) => this.rollBack(patch));
    this.diagnostics = options.diagnostics ?? new Diagnostics(options.peer, undefined);
  }

  get peer(): string {
    return this.options.peer;
  }

  /**
   * The latest patch stamp a host admits as it is (later ones are lowered to it): real time
   * plus the allowed lead. Real time is the highest wall-clock reading this process has made
   * (a clock stepped back does not pull it back), or the newest stamp it holds less the lead
   * (a new host after a step learns it from the history) — never a stamp itself, or stamps at
   * the ceiling would raise it, each a little further than the last.
   */
  stampCeiling(): number {
    this.clock.readWall();
    return Math.max(this.clock.wallHigh, this.clock.last - STAMP_LEAD) + STAMP_LEAD;
  }

  /** Stamps a validated update as this writer's next patch. */
  nextPatch(body: Pick<Patch, 'update' | 'if' | 'arrayFilters'>): Patch {
    const patch: Patch = {
      peer: this.peer,
      seq: ++this.seq,
      ts: this.clock.next(),
      update: body.update,
    };
    if (body.if !== undefined) patch.if = body.if;
    if (body.arrayFilters !== undefined) patch.arrayFilters = body.arrayFilters;
    return patch;
  }

  /**
   * Numbers our patches above `floor` (the last seq the mesh holds for our id) when they are
   * not already: the patches waiting and every later one. Only for patches never sent, whose
   * numbers nobody else has seen; the same Patch objects sit in the view, so it follows.
   */
  numberAbove(floor: number): void {
    const waiting = this.outbox.patches();
    if ((waiting[0]?.seq ?? this.seq + 1) > floor) return;
    this.seq = floor;
    this.outbox.renumber(() => ++this.seq);
  }

  /** Read-your-writes: show an own patch in the view before the host has ordered it. */
  propose(patch: Patch): void {
    const change = this.view.propose(patch);
    this.emitView(change, this.peer);
  }

  /**
   * The entries of one frame follow, until {@link endFrame} (which must be called, whatever
   * happens): while nothing of ours is pending, they are applied into one copy-on-write batch
   * (Replica.applyInBatch), with nothing else changed. Each entry still has its own outcome,
   * log line, messaging call, observer calls and `advanced`, in the same order as one by one;
   * observers are told through the listener's FrameWatch (the values at their paths, read
   * before and after the entry) instead of whole states, which the batch does not make. A
   * read of the state between two entries (a callback's) seals the batch: it sees the state
   * after the entry, exact and frozen, as one by one.
   */
  beginFrame(): void {
    this.#inFrame = true;
  }

  /** The frame is over: the state is a sealed, frozen root again. */
  endFrame(): void {
    this.#inFrame = false;
    this.#watch = undefined;
    this.#prepared = undefined;
    this.replica.endBatch();
  }

  /**
   * Applies the next ordered entry. The caller guarantees `entry.version === version + 1`.
   * `logged` false: the caller appends it to the log itself (a client, a frame at a time,
   * EntryLog.appendFrame), before anything else reads the log.
   */
  applyOrdered(entry: OrderedPatch, logged = true): ApplyOutcome {
    this.clock.observe(entry.patch.ts);
    if (entry.epoch > this.knownEpoch) this.knownEpoch = entry.epoch;
    const started = applyStarted();
    const watch = this.#inFrame && this.view.idle ? this.listener.frameWatch?.() : undefined;
    let outcome: ApplyOutcome;
    let change: ViewChange | undefined;
    let prepared: unknown;
    if (watch === undefined) ({ outcome, change } = this.view.confirm(entry));
    else ({ outcome, change, prepared } = this.#applyInBatch(entry, watch));
    publishOutcome(this.peer, entry, outcome, started);
    if (logged) this.log.append(entry);
    if (entry.patch.msg !== undefined) this.messaging?.ordered(entry);
    if (change !== undefined) this.emitView(change, entry.patch.peer);
    else if (prepared !== undefined) watch!.notifyPrepared(prepared, this.#meta(entry.patch.peer));
    this.listener.advanced(entry.version);
    if (entry.patch.peer === this.peer) {
      const result: PatchResult = outcome.applied
        ? { applied: true, version: entry.version }
        : {
            applied: false,
            version: entry.version,
            reason: outcome.reason ?? 'failed',
            ...(outcome.message === undefined ? {} : { message: outcome.message }),
          };
      if ((this.holdOwn || this.#gate) && this.outbox.has(entry.patch.seq)) this.held.push({ seq: entry.patch.seq, result, patch: entry.patch });
      else this.settleOwn(entry.patch, result);
    }
    return outcome;
  }

  /**
   * One entry into the replica's open batch (see beginFrame). The view is idle, so it is the
   * replica's state: nothing of the view to bring along.
   */
  #applyInBatch(entry: OrderedPatch, watch: FrameWatch): { outcome: ApplyOutcome; change?: ViewChange; prepared?: unknown } {
    this.#watch = watch;
    this.#prepared = undefined;
    const outcome = this.replica.applyInBatch(entry, this.#batchWatch);
    const prepared = this.#prepared;
    this.#prepared = undefined;
    if (!outcome.applied || prepared === undefined) return { outcome };
    // Someone needs whole states: the batch was sealed before the entry, and is after it.
    if (prepared === null) return { outcome, change: { before: outcome.before, after: this.replica.state, paths: outcome.changedPaths } };
    watch.settle(prepared, outcome.after, () => this.replica.state);
    return { outcome, prepared };
  }

  /** Own results held for replication (see holdOwn): some wait. */
  get holdingOwn(): boolean {
    return this.held.length > 0;
  }

  /** Another replica holds every entry up to `version`: acknowledge own writes up to it. */
  releaseOwn(version: number): void {
    if (this.#gate) {
      this.#gate.release = Math.max(this.#gate.release, version);
      return;
    }
    if (this.held.length === 0 || this.held[0]!.result.version > version) return;
    let n = 0;
    while (n < this.held.length && this.held[n]!.result.version <= version) n++;
    for (const { patch, result } of this.held.splice(0, n)) this.settleOwn(patch, result);
  }

  /** Holds every own result until openGate() (see #gate). */
  closeGate(): void {
    this.#gate = { release: 0 };
  }

  /** `release`: acknowledge what the host said it holds; else (the link is gone) keep it held. */
  openGate(release: boolean): void {
    const gate = this.#gate;
    this.#gate = undefined;
    if (gate && release) this.releaseOwn(gate.release);
  }

  private settleOwn(patch: Patch, result: PatchResult): void {
    if (this.outbox.settle(patch.seq, result) && !result.applied) this.listener.ownRefused(patch, result);
  }

  /** Replaces the replica with a snapshot from the host (a joiner far behind, or divergent). */
  installSnapshot(snapshot: ReplicaSnapshot, origin: string): void {
    // Results held for replication were of entries the snapshot replaces: their patches are
    // still in the outbox, and are settled below like any other (failed if the snapshot
    // covers them, resent if it does not).
    this.held = [];
    const replica = Replica.fromSnapshot(snapshot, this.options.limits);
    // Our next stamps come after every one the state holds, whatever our wall clock says.
    for (const [, , ts] of snapshot.seqs) if (ts !== undefined) this.clock.observe(ts);
    this.replica = replica;
    this.messaging?.installed(snapshot);
    this.log.clear();
    if (replica.epoch > this.knownEpoch) this.knownEpoch = replica.epoch;
    const covered = replica.lastSeq(this.peer);
    let change = this.view.rebaseOnto(replica);
    // Own patches the snapshot already contains were ordered while we were cut off: their
    // effect is in the state, but which of them applied is not recorded in a snapshot.
    for (const patch of this.outbox.patches()) {
      if (patch.seq > covered) continue;
      const withdrawn = this.view.withdraw(patch.peer, patch.seq);
      change = {
        before: change.before,
        after: withdrawn.after,
        paths: [...change.paths, ...withdrawn.paths],
      };
      this.outbox.fail(
        patch.seq,
        new MemSyncError(
          'ERR_CONNECTION',
          `patch ${patch.seq} was ordered while this replica was cut off; its outcome is in the state but was not reported`,
        ),
      );
    }
    this.emitView(change, origin);
    this.diagnostics.snapshotInstalled(replica.version, origin);
    this.listener.advanced(replica.version);
  }

  /** What a peer is sent to take this replica over: the replica's snapshot, and messaging's table. */
  snapshot(): ReplicaSnapshot {
    const snapshot = this.replica.snapshot();
    return this.messaging ? { ...snapshot, ...this.messaging.extra() } : snapshot;
  }

  /** Own patches not yet ordered, oldest first (resent to every new host). */
  unordered(): Patch[] {
    return this.outbox.patches().filter((p) => p.seq > this.replica.lastSeq(this.peer));
  }

  private rollBack(patch: Patch): void {
    const change = this.view.withdraw(patch.peer, patch.seq);
    this.emitView(change, this.peer);
  }

  private emitView(change: ViewChange, origin: string): void {
    if (change.before === change.after && change.paths.length === 0) return;
    this.listener.viewChanged(change, this.#meta(origin));
  }

  #meta(origin: string): ChangeMeta {
    return { version: this.replica.version, origin, local: origin === this.peer };
  }
}
