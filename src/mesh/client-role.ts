import { publishSnapshotPart } from '../diagnostics/index.js';
import { checkEntryPatch, resolveDocumentLimits } from '../document/index.js';
import { MemSyncError, ProtocolError } from '../errors.js';
import type { MemSyncLimits } from '../options.js';
import {
  type Member,
  type Message,
  type MessageOf,
  PROTOCOL_VERSIONS,
  parseMessage,
} from '../protocol/messages.js';
import { encodeSubmit } from '../protocol/compact.js';
import { BinaryFrame } from '../transport/binary-frame.js';
import type { Connection } from '../transport/types.js';
import type { OrderedPatch, Patch } from '../types.js';
import { clientProof, hostProof, newNonce, proofsMatch } from './auth.js';
import { processToken } from './identity.js';
import type { MembersChange } from './member-map.js';
import { PendingReport } from './pending-report.js';
import type { ReplicaCore } from './replica-core.js';
import { sendInBatches } from './frame-batches.js';
import { sealable } from './entry-broadcast.js';
import { FrameArena } from './frame-arena.js';
import type { SealedFrame } from './entry-log.js';
import { HostWatch } from './host-watch.js';
import { answerHistoryRequest } from './history-upload.js';
import { RemoteFlushes } from '../storage/remote-flush.js';
import { MAX_SNAPSHOT_KEYS, SnapshotAssembler } from './snapshot-stream.js';
import { EventLoopTurn } from './event-loop-turn.js';
import type { ClientHooks, MessagingMessage, MessagingPort } from '../messaging/link.js';
import { MESSAGING_TYPES } from '../protocol/messages.js';

export interface ClientRoleOptions {
  mesh: string;
  self: Member;
  /** Shared secret: wait for the host's challenge and prove we hold it (mesh/auth.ts). */
  secret: string | undefined;
  /** The store we were given (options.storage): the host refuses us unless it is its own. */
  storage?: string | undefined;
  limits: MemSyncLimits;
  /** See MemSyncOptions.hostTimeout. */
  hostTimeout: number;
  onMembers(change: MembersChange, host: string, epoch: number): void;
  /** A snapshot replaced a longer history of ours: `dropped` ordered entries are gone. */
  onDiverged(dropped: number, held: number, now: number): void;
  /** The connection to the host is gone; `handover` names the successor the host chose. */
  onLost(error: MemSyncError | undefined, handover: { successor: string | null } | undefined): void;
  /** Events, RPC and locks (src/messaging). */
  messaging?: MessagingPort | undefined;
}

/**
 * The link from a replica to its host: hello, catch-up (tail, snapshot, or handing our
 * longer history to a new host), then ordered entries in, own patches out. Every own
 * patch not yet ordered is resent to each new host, in seq order; the host drops resends
 * it already applied, so nothing is applied twice.
 */
const MAX_PATCHES_PER_SUBMIT = 10_000;
/** Patches after which a submit leaves at once rather than at the end of the tick. */
const EARLY_SUBMIT = 32;

export class ClientRole {
  private epoch = -1;
  private host = '';
  private targetVersion = Number.POSITIVE_INFINITY;
  /** A fresh replica (version 0) always gets a snapshot (planCatchUp): not in sync before it. */
  private snapshotDue = false;
  private snapshot: SnapshotAssembler | undefined;
  private buffered: OrderedPatch[] = [];
  private handover: { successor: string | null } | undefined;
  private closed = false;
  private outgoing: Patch[] = [];
  private submitScheduled = false;
  private readonly turn = new EventLoopTurn(
    () => this.flushSubmits(),
    () => this.outgoing.length > 0,
  );
  private ackScheduled = false;
  private isSynced = false;
  /** The host said every host-capable member knows of us: we may write (protocol `known`). */
  private known = false;
  /** What messaging sent before we were known, sent when we are. */
  private readonly heldMessaging: MessagingMessage[] = [];
  private readonly flushes = new RemoteFlushes();
  /** Where the frames our log keeps are copied (one arena per log: frame-arena.ts). */
  private readonly frames = new FrameArena();
  /** The store the host keeps the state in, as its welcome said (status reports it). */
  hostStorage: string | undefined;
  /** The kind of the host's backplane, as its welcome said; undefined: one machine. */
  hostBackplane: string | undefined;
  /** Patches waiting to be ordered across the mesh, as the host last said (welcome, beats). */
  meshPending: number | undefined;
  /** Our own pending count, reported to the host for its sum (mesh/pending-report.ts). */
  private readonly pendingReport = new PendingReport(
    () => this.core.outbox.size,
    (count) => {
      if (!this.closed && this.epoch >= 0) this.conn.send({ type: 'pending', count });
    },
  );
  private hostNonce: string | undefined;
  private clientNonce: string | undefined;
  private synced!: { resolve(): void; reject(error: MemSyncError): void };
  private readonly watch: HostWatch;
  /**
   * Set when we left the host because it stopped answering: the connection's target, which
   * the next election may take over although its socket still accepts (ListenOptions.depose).
   */
  deposed: string | undefined;
  private messaging: ClientHooks | undefined;
  /** Resolves once the replica holds everything the host had when it welcomed us. */
  readonly whenSynced: Promise<void>;

  constructor(
    private readonly core: ReplicaCore,
    private readonly conn: Connection,
    private readonly options: ClientRoleOptions,
  ) {
    this.whenSynced = new Promise<void>((resolve, reject) => {
      this.synced = { resolve, reject };
    });
    this.whenSynced.catch(() => {});
    this.watch = new HostWatch(options.hostTimeout, (silentMs) => this.onSilent(silentMs));
    conn.setHandlers({
      message: (raw, text) => {
        this.watch.heard();
        try {
          // A compact entries frame is what the log keeps in place of its entries, as a JSON one's text.
          this.onMessage(parseMessage(raw), raw instanceof BinaryFrame ? sealable(raw, this.frames.keep) : text);
        } catch (error) {
          this.fail(
            error instanceof MemSyncError
              ? error
              : new ProtocolError('ERR_PROTOCOL', String(error)),
          );
        }
      },
      close: (error) => this.onClose(error),
    });
    // With a secret, hello waits for the host's challenge; without, it goes at once.
    if (options.secret === undefined) this.sendHello(undefined);
  }

  private sendHello(
    challenge: { hostNonce: string; nonce: string; proof: string } | undefined,
  ): void {
    const { replica, log } = this.core;
    this.conn.send({
      type: 'hello',
      protocols: [...PROTOCOL_VERSIONS],
      mesh: this.options.mesh,
      peer: this.options.self.peer,
      clientOnly: this.options.self.clientOnly,
      pid: process.pid,
      token: processToken(),
      version: replica.version,
      entryEpoch: replica.version === 0 ? 0 : (log.epochAt(replica.version) ?? replica.epoch),
      knownEpoch: this.core.knownEpoch,
      ...(this.options.storage === undefined ? {} : { storage: this.options.storage }),
      ...(challenge ? { nonce: challenge.nonce, proof: challenge.proof } : {}),
    });
    this.hostNonce = challenge?.hostNonce;
    this.clientNonce = challenge?.nonce;
  }

  /** Resolves once the host has fsynced everything it ordered (mem.flush(), storage/remote-flush.ts). */
  flush(timeoutMs?: number): Promise<void> {
    // Not before the welcome: the host takes nothing but a hello first.
    return this.whenSynced.then(() => this.flushes.request((id) => this.conn.send({ type: 'flush', id }), timeoutMs));
  }

  get hostId(): string {
    return this.host;
  }

  get hostEpoch(): number {
    return this.epoch;
  }

  submit(patches: Patch[]): void {
    // Sent once we are known (onKnown): until then a next host might not wait for us.
    if (!this.known || this.closed || patches.length === 0) return;
    for (const patch of patches) this.outgoing.push(patch);
    if (this.outgoing.length >= EARLY_SUBMIT) return this.flushSubmits();
    if (this.submitScheduled || this.turn.open) return;
    this.submitScheduled = true;
    // Every patch() of one tick travels in one message: one encode, one frame.
    queueMicrotask(this.firstOfTurn);
  }

  /**
   * The turn's first submit leaves at the end of its tick, as a lone write should; writes
   * after it in the same turn of the event loop wait for the turn's end and go together.
   * Why: a writer that awaits between writes (a settled promise, a microtask checkpoint)
   * ends a tick at each one, and sent a frame of one patch per write, each a decode and an
   * admission at the host (#18's mixed workload: ~1.1 patches per submit, now ~20-30). The
   * transport of a busy connection holds frames until the same check phase anyway.
   */
  private readonly firstOfTurn = (): void => this.turn.first();

  private flushSubmits(): void {
    this.submitScheduled = false;
    const patches = this.outgoing;
    this.outgoing = [];
    if (this.closed) return; // the outbox still holds them: resent to the next host
    this.core.submitted = true;
    this.pendingReport.changed();
    const epoch = this.epoch;
    const { maxFrameBytes } = this.options.limits;
    for (let i = 0; i < patches.length; i += MAX_PATCHES_PER_SUBMIT) {
      // Large patches sent together may not fit in one frame: as many as they need.
      sendInBatches(
        patches.slice(i, i + MAX_PATCHES_PER_SUBMIT),
        // Protocol 9's compact form (protocol/compact.ts); our own patches are all of one writer.
        (batch) => encodeSubmit(epoch, batch, maxFrameBytes) ?? ({ type: 'submit', epoch, patches: batch } as const),
        (m) => this.conn.send(m),
      );
    }
  }

  close(): void {
    if (!this.closed) this.messagingLost();
    this.closed = true;
    this.core.openGate(false);
    this.pendingReport.stop();
    this.watch.stop();
    this.conn.close();
  }

  /** Nothing from the host for hostTimeout while we ran: it is frozen; depose it. */
  private onSilent(silentMs: number): void {
    if (this.closed) return;
    this.deposed = this.conn.target ?? '';
    this.fail(
      new MemSyncError(
        'ERR_HOST_TIMEOUT',
        `host '${this.host || '?'}' sent nothing for ${Math.round(silentMs)} ms (hostTimeout ${this.options.hostTimeout}): electing a new one`,
      ),
    );
  }

  /**
   * Messaging's way to the host: after every patch submitted before it (a lock released
   * after a write is ordered after that write).
   */
  private sendMessaging(message: MessagingMessage): void {
    if (this.closed) return;
    // What we serve goes at once: it orders nothing, and a call after a failover finds us
    // (the host holds calls for joiners' methods, messaging/call-hold.ts).
    if (!this.known && message.type !== 'handlers') {
      this.heldMessaging.push(message);
      return;
    }
    if (this.outgoing.length > 0) this.flushSubmits();
    this.conn.send(message);
  }

  private messagingLost(): void {
    if (this.messaging === undefined) return;
    this.messaging = undefined;
    this.options.messaging?.clientLost();
  }

  /** `text`: the frame the message arrived in (its JSON text, or a compact frame), when known. */
  private onMessage(message: Message, text?: string | SealedFrame): void {
    if (message.type === 'beat') {
      if (message.pending !== undefined) this.meshPending = message.pending;
      // Also heals a count that shrank without an entry (a patch that timed out, say).
      this.pendingReport.changed();
      return;
    }
    if (message.type === 'challenge') return this.onChallenge(message.nonce);
    if (message.type === 'welcome') return this.onWelcome(message);
    if (message.type === 'known') return this.onKnown(message.epoch);
    if (message.type === 'refused') {
      const code =
        message.code === 'ERR_AUTH' || message.code === 'ERR_CONNECTION' || message.code === 'ERR_ID_TAKEN'
          ? message.code
          : 'ERR_INCOMPATIBLE_PEER';
      throw new MemSyncError(code, `host refused us: ${message.message}`);
    }
    if (this.epoch < 0) throw new ProtocolError('ERR_PROTOCOL', `'${message.type}' before welcome`);
    if ('epoch' in message && message.epoch !== this.epoch) {
      throw new ProtocolError(
        'ERR_PROTOCOL',
        `message from epoch ${message.epoch}, host's is ${this.epoch}`,
      );
    }
    switch (message.type) {
      case 'entries':
        this.onEntries(message, text);
        if (message.ack) this.scheduleAck();
        return;
      case 'snapshot':
        return this.onSnapshotPart(message);
      case 'members':
        this.options.onMembers({ joined: message.joined, left: message.left }, this.host, this.epoch);
        // The host welcomes a joiner only once we know of it: say we do.
        return this.sendAck(message.seq);
      case 'request-history':
        return answerHistoryRequest(this.core, this.conn, this.epoch, message, this.options.limits.maxFrameBytes);
      case 'handover':
        this.handover = { successor: message.successor };
        return;
      case 'flushed':
        return this.flushes.answer(message.id, message.error);
      default:
        if (MESSAGING_TYPES.has(message.type) && this.messaging) return this.messaging.message(message as MessagingMessage);
        throw new ProtocolError('ERR_PROTOCOL', `unexpected '${message.type}' from the host`);
    }
  }

  private onChallenge(hostNonce: string): void {
    const { secret, mesh, self } = this.options;
    if (secret === undefined)
      throw new MemSyncError('ERR_AUTH', 'the host requires a shared secret (options.secret)');
    if (this.hostNonce !== undefined) throw new ProtocolError('ERR_PROTOCOL', 'second challenge');
    const nonce = newNonce();
    this.sendHello({
      hostNonce,
      nonce,
      proof: clientProof(secret, hostNonce, nonce, mesh, self.peer),
    });
  }

  private onWelcome(welcome: MessageOf<'welcome'>): void {
    if (this.epoch >= 0) throw new ProtocolError('ERR_PROTOCOL', 'second welcome');
    const { secret, mesh } = this.options;
    if (secret !== undefined) {
      // A host that cannot prove it knows the secret could be anyone listening on the address.
      const expected =
        this.hostNonce !== undefined && this.clientNonce !== undefined
          ? hostProof(secret, this.hostNonce, this.clientNonce, mesh)
          : '';
      if (!expected || !proofsMatch(expected, welcome.proof)) {
        throw new MemSyncError('ERR_AUTH', 'the host did not prove it holds the shared secret');
      }
    }
    if (welcome.epoch < this.core.knownEpoch) {
      // A host older than one we already followed cannot lead us. (An honest one steps down
      // when our hello says so, and the next term is newer: try again.)
      throw new MemSyncError(
        'ERR_CONNECTION',
        `host epoch ${welcome.epoch} is older than ${this.core.knownEpoch}`,
      );
    }
    this.epoch = welcome.epoch;
    this.core.knownEpoch = welcome.epoch;
    this.core.clock.observe(welcome.clock);
    this.host = welcome.host;
    this.hostStorage = welcome.storage;
    this.hostBackplane = welcome.backplane;
    this.meshPending = welcome.pending;
    this.targetVersion = welcome.version;
    this.snapshotDue = this.core.replica.version === 0;
    this.options.onMembers({ all: welcome.members }, welcome.host, welcome.epoch);
    // A previous life of our id numbered past where we start (its clock was ahead of ours):
    // our patches would look like its resends. Before we ever sent one, we renumber.
    if (welcome.lastSeq !== undefined && !this.core.submitted) this.core.numberAbove(welcome.lastSeq);
    // Welcomed, not yet known: we catch up, and hold our writes, their outcomes and what
    // messaging sends (it hears events and calls meanwhile).
    this.core.closeGate();
    this.pendingReport.changed();
    this.messaging = this.options.messaging?.client((message) => this.sendMessaging(message));
    this.checkSynced();
  }

  /** Every host-capable member knows of us now: a next host waits for us after a failover. */
  private onKnown(epoch: number): void {
    if (this.epoch < 0 || this.known || epoch !== this.epoch) throw new ProtocolError('ERR_PROTOCOL', `unexpected 'known' for epoch ${epoch}`);
    this.known = true;
    this.core.openGate(true);
    this.submit(this.core.unordered());
    // After the patches written before them, as sendMessaging keeps them.
    for (const message of this.heldMessaging.splice(0)) this.sendMessaging(message);
  }

  private onEntries(message: MessageOf<'entries'>, text: string | SealedFrame | undefined): void {
    if (this.snapshot?.receiving || this.snapshot) {
      this.buffered.push(...message.entries);
      return;
    }
    this.applyEntries(message.entries, text);
    this.pendingReport.changed();
    if (message.holds !== undefined) this.core.releaseOwn(Math.min(message.holds, this.core.replica.version));
  }

  /** `text`: the frame the entries arrived in, which the log keeps instead of them. */
  private applyEntries(entries: OrderedPatch[], text?: string | SealedFrame): void {
    let last = 0;
    let heldByHost = 0;
    // Versions after this one are the ones this call applies (entries are consecutive).
    const from = this.core.replica.version;
    let complete = false;
    // One copy-on-write batch for the frame where that is exact (ReplicaCore.beginFrame). A
    // lone entry gains nothing from a batch, and on a wide document cost ~14 % more in one.
    const batched = entries.length > 1;
    // Resolved once per frame, not per entry (a WeakMap look-up each).
    const limits = resolveDocumentLimits(this.options.limits);
    if (batched) this.core.beginFrame();
    try {
      for (const entry of entries) {
        const version = this.core.replica.version;
        if (entry.version <= version) {
          // Already held (adopted from us, say) — unless another epoch ordered that version:
          // then our history is not the mesh's, and keeping it would be a silent split.
          const ours = entry.version === version ? this.core.replica.epoch : this.core.log.epochAt(entry.version);
          if (ours !== undefined && ours !== entry.epoch) {
            throw new ProtocolError(
              'ERR_PROTOCOL',
              `diverged: version ${entry.version} is of epoch ${ours} here and ${entry.epoch} at the host; rejoining for its state`,
            );
          }
          heldByHost = entry.version;
          continue;
        }
        if (entry.version !== version + 1) {
          throw new ProtocolError(
            'ERR_PROTOCOL',
            `version gap: have ${version}, got ${entry.version}`,
          );
        }
        // The host is a peer like any other: its input is checked at the edge too — except
        // our own pending patches coming back, which we validated when they were written.
        const own = entry.patch.peer === this.options.self.peer && this.core.outbox.has(entry.patch.seq);
        // One walk checks it and recognises a lean write, which the apply below takes.
        if (!own) checkEntryPatch(entry.patch, limits);
        this.core.applyOrdered(entry, false);
        last = entry.version;
      }
      complete = true;
    } finally {
      if (batched) this.core.endFrame();
      // The log takes what was applied, whatever stopped the loop (the replica's version
      // says how far it went): as the frame's text when all of it went through.
      const applied = this.core.replica.version - from;
      if (applied > 0) {
        const start = entries.findIndex((entry) => entry.version === from + 1);
        this.core.log.appendFrame(entries, start, applied, complete ? text : undefined);
      }
    }
    // Own writes we ordered while we hosted, held until another replica had them (see
    // ReplicaCore.holdOwn): the host sending us an entry means it holds everything to it.
    this.core.releaseOwn(Math.max(heldByHost, last));
    this.checkSynced();
  }

  private onSnapshotPart(part: MessageOf<'snapshot'>): void {
    this.snapshot ??= new SnapshotAssembler(MAX_SNAPSHOT_KEYS, resolveDocumentLimits(this.options.limits));
    const snapshot = this.snapshot.add(part);
    publishSnapshotPart({ peer: this.core.peer, part: part.part, entries: part.entries.length, last: part.last, bytes: part.bytes, total: part.total });
    if (!snapshot) return;
    this.snapshot = undefined;
    this.snapshotDue = false;
    const held = this.core.replica.version;
    if (snapshot.version < held) {
      // We held ordered entries the new host never adopted (we came back after its gather
      // window): the mesh's history wins, and the owner is told what was dropped.
      this.options.onDiverged(held - snapshot.version, held, snapshot.version);
    }
    this.core.installSnapshot(snapshot, this.host);
    const buffered = this.buffered;
    this.buffered = [];
    this.applyEntries(buffered);
    // Patches the snapshot did not contain go (again) to the host.
    this.submit(this.core.unordered());
  }

  private checkSynced(): void {
    if (this.isSynced || this.core.replica.version < this.targetVersion || this.snapshot || this.snapshotDue) return;
    this.isSynced = true;
    this.sendAck();
    this.synced.resolve();
  }

  private scheduleAck(): void {
    if (this.ackScheduled) return;
    this.ackScheduled = true;
    queueMicrotask(() => {
      this.ackScheduled = false;
      this.sendAck();
    });
  }

  private sendAck(members?: number): void {
    if (this.closed) return;
    const version = this.core.replica.version;
    this.conn.send(members === undefined ? { type: 'ack', epoch: this.epoch, version } : { type: 'ack', epoch: this.epoch, version, members });
  }

  private fail(error: MemSyncError): void {
    this.conn.close(error);
    this.onClose(error);
  }

  /**
   * Set once the connection to the host is gone, to why. A join can end after `whenSynced`
   * resolved and before whoever awaits it runs (a later frame of the same read failed):
   * the joiner checks this, or it would carry on as a client of nothing.
   */
  lostWith: MemSyncError | undefined;

  private onClose(error?: MemSyncError): void {
    if (this.closed) return;
    this.lostWith = error ?? new MemSyncError('ERR_CONNECTION', 'connection to the host closed');
    this.messagingLost();
    this.closed = true;
    this.core.openGate(false);
    this.pendingReport.stop();
    this.watch.stop();
    this.flushes.close(error ?? new MemSyncError('ERR_CONNECTION', 'connection to the host closed before it answered a flush'));
    this.synced.reject(
      error ?? new MemSyncError('ERR_CONNECTION', 'connection to the host closed'),
    );
    this.options.onLost(error, this.handover);
  }
}
