import { Replica, type ReplicaSnapshot, validatePatchInput } from '../document/index.js';
import { MemSyncError, ProtocolError } from '../errors.js';
import type { ReplicaCore } from '../mesh/replica-core.js';
import type { MemSyncLimits } from '../options.js';
import { parseMessage } from '../protocol/messages.js';
import type { Backplane, BackplaneLink, RawBackplaneEntry } from '../sequencer.js';
import type { OrderedPatch, Patch } from '../types.js';

export interface FeedOptions {
  mesh: string;
  /** The local host's epoch: every entry it applies and broadcasts carries it (see below). */
  epoch: number;
  limits: MemSyncLimits;
  /** An entry was applied here: broadcast it to the machine's members. */
  ordered(entry: OrderedPatch): void;
  /** The replica was replaced by the backplane's snapshot: bring the members over too. */
  installed(): void;
  error(error: MemSyncError): void;
}

/** Longest random wait before a host offers a snapshot (the hosts that wait longer find it stored). */
const SNAPSHOT_JITTER_MS = 250;

/**
 * The local host's side of a backplane: what the host would have ordered itself goes to the
 * global order instead, and what comes back from it is checked and applied in that order.
 *
 * Entries carry the LOCAL host's epoch, not the one of the machine that wrote them: epochs
 * order local host terms (a member that saw a newer epoch makes an older host step down), and
 * another machine's epoch says nothing about ours. The global order is the version itself.
 */
export class BackplaneFeed {
  private readonly link: BackplaneLink;
  private halted = false;
  private snapshotTimer: NodeJS.Timeout | undefined;
  /** The version of the last snapshot offered or installed (offers follow every crossing after it). */
  private offered: number;

  constructor(
    backplane: Backplane,
    private readonly core: ReplicaCore,
    private readonly options: FeedOptions,
  ) {
    this.offered = core.replica.version;
    this.link = backplane.open(options.mesh, core.replica.version, {
      entries: (raw) => this.onEntries(raw),
      snapshot: (version, text) => this.onSnapshot(version, text),
      state: () => {
        const snapshot = this.core.replica.snapshot();
        return { version: snapshot.version, text: JSON.stringify(snapshot) };
      },
      problem: (kind, message, cause) => {
        // Lost beyond repair: applying what is numbered after would build a second history.
        if (kind === 'lost') this.halted = true;
        this.options.error(
          new MemSyncError(kind === 'connection' ? 'ERR_CONNECTION' : 'ERR_BACKPLANE', `${backplane.kind} backplane: ${message}`, { cause }),
        );
      },
    });
  }

  submit(patch: Patch): void {
    if (!this.halted) this.link.submit([patch]);
  }

  close(): Promise<void> {
    this.halted = true;
    clearTimeout(this.snapshotTimer);
    return this.link.close();
  }

  private onSnapshot(version: number, text: string): boolean {
    if (this.halted) return false;
    try {
      if (text.length > this.options.limits.maxFrameBytes * 16) throw new ProtocolError('ERR_PROTOCOL', 'too large');
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ProtocolError('ERR_PROTOCOL', 'not an object');
      // Our epoch, as for entries; checked in full before the replica is touched.
      const snapshot = { ...parsed, epoch: this.options.epoch } as ReplicaSnapshot;
      if (snapshot.version !== version) throw new ProtocolError('ERR_PROTOCOL', `its version is not ${version}`);
      Replica.fromSnapshot(snapshot, { limits: this.options.limits });
      this.core.installSnapshot(snapshot, 'backplane');
      this.offered = version;
    } catch (error) {
      this.refuse(`snapshot ${version}`, error);
      return false;
    }
    this.options.installed();
    return true;
  }

  /**
   * Each time the order crosses a multiple of `snapshotEvery` (since the last offer), after a
   * random wait, offer the state to joiners; a crossing during the wait is covered by the
   * offer it ends in (made at the version held then).
   */
  private maybeSnapshot(version: number): void {
    const every = this.link.snapshotEvery;
    if (every === undefined || this.snapshotTimer || Math.floor(version / every) <= Math.floor(this.offered / every)) return;
    this.snapshotTimer = setTimeout(() => {
      this.snapshotTimer = undefined;
      // The link computes the state (sink.state) only if this host gets the lease.
      if (this.halted) return;
      this.offered = this.core.replica.version;
      this.link.storeSnapshot?.(this.offered);
    }, Math.random() * SNAPSHOT_JITTER_MS);
    this.snapshotTimer.unref();
  }

  private refuse(what: string, error: unknown): void {
    // Nothing of it is applied, and nothing after it: applying later entries over a gap
    // would split this machine from the others. Local reads go on; writes wait.
    this.halted = true;
    void this.link.close();
    const why = error instanceof Error ? error.message : String(error);
    this.options.error(new ProtocolError('ERR_PROTOCOL', `backplane ${what} refused, reading stopped: ${why}`, { cause: error }));
  }

  private onEntries(raw: readonly RawBackplaneEntry[]): void {
    for (const item of raw) {
      if (this.halted) return;
      if (item.version <= this.core.replica.version) continue;
      const expected = this.core.replica.version + 1;
      if (!Number.isSafeInteger(item.version)) {
        // An id the function never writes (not `<version>-0`): every machine reads it at the
        // same place in the stream and passes over it the same way; it takes no version.
        this.options.error(new ProtocolError('ERR_PROTOCOL', `backplane entry after version ${expected - 1} skipped: its stream id is not <version>-0 (not written by memsync's function)`));
        continue;
      }
      if (item.version !== expected) {
        // A jump in the numbering: the versions between are nowhere, so no machine can apply
        // past it the same way (and the function cannot append below it either).
        this.refuse(`entry ${item.version}`, new ProtocolError('ERR_PROTOCOL', `expected version ${expected}`));
        return;
      }
      let entry: OrderedPatch;
      try {
        entry = this.check(item);
      } catch (error) {
        // Every machine reads these same bytes at this version and judges them alike: the
        // version is taken by a no-op everywhere, and the order goes on (no machine stalls,
        // none splits from the others).
        entry = refusedAt(item.version, this.options.epoch);
        const why = error instanceof Error ? error.message : String(error);
        this.options.error(
          new ProtocolError('ERR_PROTOCOL', `backplane entry ${item.version} refused: applied as a no-op at version ${item.version} on every machine, the order goes on: ${why}`, { cause: error }),
        );
      }
      this.core.applyOrdered(entry);
      // Our own writes among them are held by the backplane now (that is what reading them
      // back means): acknowledge them here, without the local wait for a member's ack or the
      // fence check a host alone makes (mesh/host-role.ts), which only vouch for local copies.
      this.core.releaseOwn(entry.version);
      this.options.ordered(entry);
      this.maybeSnapshot(entry.version);
    }
  }

  /** The checks a client makes on the host's entries, plus the document validator's. */
  private check(item: RawBackplaneEntry): OrderedPatch {
    if (typeof item.patch !== 'string' || item.patch.length > this.options.limits.maxFrameBytes) {
      throw new ProtocolError('ERR_PROTOCOL', 'the patch is not text within maxFrameBytes');
    }
    const candidate: unknown = { version: item.version, epoch: this.options.epoch, patch: JSON.parse(item.patch) };
    const message = parseMessage({ type: 'entries', epoch: this.options.epoch, entries: [candidate] });
    const entry = message.type === 'entries' ? message.entries[0] : undefined;
    if (!entry) throw new ProtocolError('ERR_PROTOCOL', 'not an entry');
    // What the validator returns is what a host admits (admission.ts): apply exactly that.
    const body = validatePatchInput(entry.patch, this.options.limits);
    const patch: Patch = { peer: entry.patch.peer, seq: entry.patch.seq, ts: entry.patch.ts, update: body.update };
    if (body.if !== undefined) patch.if = body.if;
    if (body.arrayFilters !== undefined) patch.arrayFilters = body.arrayFilters;
    return { version: entry.version, epoch: entry.epoch, patch };
  }
}

/**
 * The writer of the no-ops that take the versions of refused entries. Not a valid
 * `options.id` (those are `[\w.:-]`), so no process writes as it.
 */
export const REFUSED_WRITER = '#backplane';

/**
 * What every machine applies at `version` in place of an entry it refused: an empty `$set`
 * (members accept it; it changes nothing). Its seq is the version, so each is above the last;
 * its stamp is 0, so it never moves a clock nor the stamp horizon.
 */
function refusedAt(version: number, epoch: number): OrderedPatch {
  return { version, epoch, patch: { peer: REFUSED_WRITER, seq: version, ts: 0, update: { $set: {} } } };
}
