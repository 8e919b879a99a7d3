import { publishOrdered } from '../diagnostics/index.js';
import { MemSyncError, ProtocolError } from '../errors.js';
import type { MemSyncLimits } from '../options.js';
import type { BinaryFrame } from '../transport/binary-frame.js';
import type { OrderedPatch, Patch } from '../types.js';
import { BackplaneFeed } from '../backplane/feed.js';
import type { Backplane } from '../sequencer.js';
import { type RelayedBodies, relayedBodies } from '../protocol/compact-relay.js';
import { admitPatches } from './admission.js';
import { FrameArena } from './frame-arena.js';
import { EntryBroadcast, type EntrySink, sealSent, sendEntries } from './entry-broadcast.js';
import type { HostPeer as Peer } from './host-peers.js';
import type { HostStorage } from './host-storage.js';
import type { ReplicaCore } from './replica-core.js';
import { UnappliedEntries } from './unapplied-entries.js';

/** What the ordering needs of the host role around it (host-role.ts: the membership). */
export interface OrderingHost {
  mesh: string;
  epoch: number;
  /** The host's own peer id. */
  self: string;
  limits: MemSyncLimits;
  storage?: HostStorage | undefined;
  backplane?: Backplane | undefined;
  gathering(): boolean;
  /** The fence found us deposed: nothing is sent, applied or ordered any more. */
  deposed(): boolean;
  /** The welcomed members: who is sent each batch. */
  welcomed(): Iterable<Peer>;
  /** Whether `peer` is still connected (a gone member's queued submits are dropped). */
  connected(peer: Peer): boolean;
  /** Nobody was sent a batch: our own writes are acknowledged alone (HostRole.releaseAlone). */
  alone(): void;
  /** A queued submit was refused when the gather ended: cut its sender off. */
  refused(peer: Peer, error: MemSyncError): void;
  /** With a backplane, the global order replaced our state: members need a snapshot. */
  installed(): void;
  onBackplaneError(error: MemSyncError): void;
}

/**
 * The ordering half of a host: admits patches, gives each the next version, broadcasts
 * each batch to the members (and the store) and only then applies it to our own replica
 * (unapplied-entries.ts). While the new host gathers, everything waits in arrival order.
 */
export class HostOrdering {
  /**
   * What arrives while we gather, in arrival order: our own patches, and clients' submits
   * as they came. Clients' are admitted only when the gather ends: until we adopt the
   * history the members hold we cannot vouch for time (after the system clock stepped back,
   * honest stamps and numbers run ahead of ours), and cutting off a member whose history we
   * await would lose it.
   */
  private readonly queue: Array<{ own: Patch } | { peer: Peer; raw: Patch[] }> = [];
  private queuedCount = 0;
  readonly broadcast: EntryBroadcast;
  /** Ordered, and applied here only once sent (unapplied-entries.ts, deliver()). */
  readonly unapplied: UnappliedEntries;
  /** With a backplane, from the end of the gather: where patches go to be ordered. */
  private feed: BackplaneFeed | undefined;
  /**
   * Members' submits ordered since the last delivery, by first patch: their bodies go out in
   * the entries frames as the bytes they came in (protocol/compact-relay.ts). Emptied by each
   * delivery, so no frame's memory is held past the read that brought it.
   */
  private readonly relayed = new Map<Patch, RelayedBodies>();
  /**
   * Where the log's copies of our sent frames are kept: a frame of a few entries is a view of
   * a shared pool slab, and memory of its own for each is a native allocation, and the GC's
   * work to free each (as on a client, frame-arena.ts). One arena: the host has one log.
   */
  private readonly frames = new FrameArena();

  constructor(
    private readonly core: ReplicaCore,
    private readonly host: OrderingHost,
  ) {
    this.unapplied = new UnappliedEntries(core);
    this.broadcast = new EntryBroadcast((entries) => this.deliver(entries));
  }

  /** Orders an own patch of the host process, or queues it while gathering. */
  submitLocal(patch: Patch): void {
    if (this.host.gathering()) {
      this.queue.push({ own: patch });
      return;
    }
    this.sequence(patch);
  }

  /**
   * A member's submit: admitted and ordered, or queued while gathering. `frame`: the compact
   * frame body it was decoded from, if it came so (its bodies are then relayed as they are).
   */
  submit(peer: Peer, raw: Patch[], frame?: Buffer): void {
    // Lock operations are ordered by the host alone, from requests it stamps (messaging).
    if (raw.some((patch) => patch.msg !== undefined)) throw new ProtocolError('ERR_PROTOCOL', 'a submitted patch may not carry msg');
    if (this.host.gathering()) {
      this.queuedCount += raw.length;
      if (this.queuedCount > this.host.limits.maxPendingPerPeer) {
        throw new MemSyncError('ERR_LIMIT_EXCEEDED', 'too many patches waiting to be ordered');
      }
      this.queue.push({ peer, raw });
      return;
    }
    const patches = this.admit(peer, raw);
    if (frame !== undefined && this.feed === undefined) {
      const bodies = relayedBodies(frame, patches);
      if (bodies !== undefined) this.relayed.set(patches[0]!, bodies);
    }
    for (const patch of patches) this.sequence(patch);
  }

  /** The gather is over: open the backplane, then order what waited, in arrival order. */
  gatherEnded(): void {
    this.queuedCount = 0;
    this.openBackplane();
    for (const item of this.queue.splice(0)) {
      if ('own' in item) {
        this.sequence(item.own);
        continue;
      }
      // A member gone since resends what is still unordered to the next host it joins.
      if (!this.host.connected(item.peer)) continue;
      let patches: Patch[];
      try {
        patches = this.admit(item.peer, item.raw);
      } catch (error) {
        this.host.refused(item.peer, error instanceof MemSyncError ? error : new ProtocolError('ERR_PROTOCOL', String(error)));
        continue;
      }
      for (const patch of patches) this.sequence(patch);
    }
  }

  /** Sends and applies at once whatever is ordered and waits for the end of the tick. */
  settle(): void {
    this.broadcast.flush();
  }

  /** A read ended: what it ordered leaves now, or with the rest of the turn (entry-broadcast.ts). */
  readDone(): void {
    this.broadcast.readDone();
  }

  async close(): Promise<void> {
    if (this.feed) await this.feed.close();
    this.broadcast.flush();
  }

  private admit(peer: Peer, raw: Patch[]): Patch[] {
    const sender = peer.member?.peer ?? '';
    return admitPatches(raw, {
      sender,
      limits: this.host.limits,
      ceiling: this.core.stampCeiling(),
      lastSeq: this.unapplied.lastSeq(sender),
    });
  }

  sequence(patch: Patch): void {
    // Exactly once: a writer's patches reach us in seq order (FIFO connection, in-order
    // resend), so anything not above the last seq we ordered for it is a resend.
    if (patch.seq <= this.unapplied.lastSeq(patch.peer)) return;
    // Our own numbers are fixed once we ordered one: renumbering it as a client would resend it.
    if (patch.peer === this.host.self) this.core.submitted = true;
    if (this.feed) return this.feed.submit(patch);
    const entry: OrderedPatch = {
      version: this.unapplied.nextVersion(),
      epoch: this.host.epoch,
      patch,
    };
    // Our own next stamps follow every stamp ordered, applied here yet or not.
    this.core.clock.observe(patch.ts);
    this.unapplied.add(entry);
    publishOrdered(this.host.self, entry);
    this.broadcast.add(entry);
  }

  /**
   * One batch of ordered entries: stored, sent to every member, and only then applied to our
   * own replica (unapplied-entries.ts). The log then keeps each message's frame.
   */
  private deliver(entries: OrderedPatch[]): void {
    const toApply = this.unapplied.take();
    // Ordered before a pause in which we were deposed: nobody must be told of them by us, and
    // we do not apply them either: as if never ordered (our own stay in the outbox, for the
    // next host).
    if (this.host.deposed()) {
      this.relayed.clear();
      return this.unapplied.applied(toApply.length);
    }
    const { storage } = this.host;
    const members: EntrySink[] = [];
    let only: string | undefined;
    // A lone entry's writer: its frame goes last (loneWriter).
    const writer = loneWriter(entries);
    let writerSink: EntrySink | undefined;
    for (const peer of this.host.welcomed()) {
      // A member being sent a snapshot gets its entries once the stream is done (snapshot-queue.ts).
      const sink = peer.snapshots?.holding ? peer.snapshots : peer.conn;
      if (writer !== undefined && peer.member?.peer === writer && writerSink === undefined) writerSink = sink;
      else members.push(sink);
      only = peer.member?.peer;
    }
    if (writerSink !== undefined) members.push(writerSink);
    // Stored before anything is sent: with members, frame by frame as each is encoded (the
    // store keeps the frame's bytes as its record); with none, the batch here.
    if (members.length === 0) storage?.append(entries);
    // Our own writes wait for a replica to say it holds them: ask for that.
    const self = this.host.self;
    const ack = this.core.holdingOwn || toApply.some((entry) => entry.patch.peer === self);
    let next = 0;
    const log = this.core.log;
    const applyUpTo = (version: number): void => {
      let end = next;
      while (end < toApply.length && toApply[end]!.version <= version) end++;
      // A run of entries as one copy-on-write batch, as a client applies a frame
      // (ReplicaCore.beginFrame): exact, and our observers are told without whole states.
      const batched = end - next > 1;
      if (batched) this.core.beginFrame();
      try {
        while (next < end) {
          this.core.applyOrdered(toApply[next++]!);
          this.unapplied.applied();
        }
      } finally {
        if (batched) this.core.endFrame();
      }
    };
    // The log takes each frame sent in place of its entries (sealSent): no segment closes
    // between the entries' appends and that.
    if (members.length > 0) log.holdForSeal();
    try {
      // One member, the writer of the whole batch: what it is sent only acknowledges its
      // writes, and our own replica (this process's observers) is the one reader of news: apply first.
      if (members.length === 1 && toApply.length === entries.length && entries.every((entry) => entry.patch.peer === only)) {
        applyUpTo(Number.POSITIVE_INFINITY);
      }
      const sent = sendEntries(entries, this.host.epoch, members, ack, this.host.limits.maxFrameBytes, {
        beforeSend: storage && this.store,
        relayed: this.relayed,
        keep: this.frames.keep,
      });
      this.relayed.clear();
      for (const batch of sent) {
        applyUpTo(batch.batch[batch.batch.length - 1]!.version);
        sealSent(log, batch);
      }
    } finally {
      log.releaseHold();
    }
    applyUpTo(Number.POSITIVE_INFINITY);
    storage?.applied();
    if (members.length === 0) this.host.alone();
  }

  /** Stores a frame's entries before the frame is sent (deliver). */
  private readonly store = (batch: readonly OrderedPatch[], frame: BinaryFrame): void => this.host.storage?.append(batch, frame);

  /** Reads the global order from what we hold, once the gather has settled that. */
  private openBackplane(): void {
    const { backplane } = this.host;
    if (!backplane) return;
    this.feed = new BackplaneFeed(backplane, this.core, {
      mesh: this.host.mesh,
      epoch: this.host.epoch,
      limits: this.host.limits,
      ordered: (entry) => {
        publishOrdered(this.host.self, entry);
        this.broadcast.add(entry);
      },
      installed: () => {
        this.broadcast.flush();
        this.host.installed();
      },
      error: (error) => this.host.onBackplaneError(error),
    });
  }
}

/**
 * The writer of a batch of one entry, whose frame is then written after the other members'.
 * A lone entry is what a host orders while idle, as in a round trip: each write to a peer
 * that sleeps costs the host ~5-20 us here (the kernel wakes the peer), and the others learn
 * news in it while the writer only learns that its own write was ordered (Redis does the
 * same with a PUBLISH: the subscribers' messages are queued before the publisher's reply).
 * Round trip A -> host -> B -> host -> A p50, alternated bench runs: 1.74-2.08x -> 1.62-1.70x
 * Redis. A larger batch is load: its writer keeps its place, and its acknowledgements keep
 * its pipeline full (writer last in every batch cost fan-out 16 ~10 % in alternated runs).
 */
function loneWriter(entries: readonly OrderedPatch[]): string | undefined {
  return entries.length === 1 ? entries[0]!.patch.peer : undefined;
}
