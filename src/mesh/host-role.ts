import { MemSyncError, ProtocolError } from '../errors.js';
import type { MemSyncLimits } from '../options.js';
import { type Member, type Message, type MessageOf, parseMessage } from '../protocol/messages.js';
import type { Connection, Listener } from '../transport/types.js';
import type { OrderedPatch, Patch } from '../types.js';
import { GatherWindow } from './gather-window.js';
import type { LostHost } from './lost-host.js';
import { BindingTable } from './identity.js';
import { trustClaim } from './history-claims.js';
import { planCatchUp, sendCatchUp } from './hello-check.js';
import { admitHello } from './hello-admission.js';
import { hostMessagingLink } from './host-messaging.js';
import { receiveHistory, receiveSnapshotPart, type UploadContext } from './host-uploads.js';
import { streamSnapshotTo } from './snapshot-stream.js';
import { OwnWriteRelease } from './own-write-release.js';
import type { HostHooks, MessagingMessage, MessagingPort } from '../messaging/link.js';
import { newNonce } from './auth.js';
import { answerFlush, type HostStorage } from './host-storage.js';
import type { MembersChange } from './member-map.js';
import type { ReplicaCore } from './replica-core.js';
import { HostOrdering } from './host-ordering.js';
import { beatInterval, HostFence } from './host-fence.js';
import type { Backplane } from '../sequencer.js';
import { type HostPeer as Peer, newHostPeer } from './host-peers.js';
import { JoinQueue, ListHolders } from './join-queue.js';
import { MemberAnnouncer } from './member-announcer.js';
import { SnapshotQueue } from './snapshot-queue.js';
import { MESSAGING_TYPES } from '../protocol/messages.js';
import { BinaryFrame } from '../transport/binary-frame.js';
import { RawJson, stringifyMessage } from '../transport/framing.js';

/**
 * How long a joiner waits for the members that must learn of it (host-peers.ts) before those
 * that have not answered are disconnected as stalled (they rejoin when they run again).
 */
const MEMBER_ACK_TIMEOUT_MS = 2000;

export interface HostRoleOptions {
  mesh: string;
  epoch: number;
  self: Member;
  /** Shared secret: authenticate every connection (mesh/auth.ts). */
  secret: string | undefined;
  /** Members of the previous epoch we wait for before ordering anything new. */
  expected: Map<string, Member>;
  /** Who held which id in the previous epoch as we know it, the lost host included (identity.ts). */
  previous: ReadonlyMap<string, Member>;
  /** We never belonged to this mesh before: we cannot know who else is out there. */
  firstHost: boolean;
  gatherMs: number;
  /** The longest a gather waits for live members and for history still arriving. */
  gatherLimitMs: number;
  /** Whether a member's process is alive (undefined: cannot tell). */
  isAlive(member: Member): boolean | undefined;
  /** The host the members last followed, waited for while it runs (lost-host.ts). */
  lostHost?: LostHost | undefined;
  /** A joiner has followed a newer epoch than ours: we must not lead it; step down. */
  onBehind(epoch: number): void;
  limits: MemSyncLimits;
  /** Where ordered entries are stored, batch by batch (options.storage). */
  storage?: HostStorage | undefined;
  /** Many machines: order through this global sequencer instead of here (sequencer.ts). */
  backplane?: Backplane | undefined;
  /** The member list changed: who joined, who left (mesh/member-map.ts). */
  onMembers(change: MembersChange): void;
  /** See MemSyncOptions.hostTimeout: heartbeats go out a quarter of it apart. */
  hostTimeout: number;
  /** Whether our address still leads to us (undefined: the transport cannot tell). */
  owns(): boolean | undefined;
  /** Calls `onChange` when our address may have changed hands (transport.watchAddress), where it can. */
  watchAddress?(onChange: () => void): { close(): void } | undefined;
  /** Our address was taken over while we did not run: we must not act as host any more. */
  onDeposed(): void;
  onReady(): void;
  onPeerError(error: MemSyncError, peer: string | undefined): void;
  /** Events, RPC and locks (src/messaging). */
  messaging?: MessagingPort | undefined;
}

/**
 * The sequencer. Gives each patch the next version in arrival order and broadcasts it.
 * A new host first gathers: it waits (briefly) for the previous members to come back and
 * adopts the longest ordered history any of them holds, so an entry acknowledged by the
 * old host survives as long as one process that saw it does. Only then does it order
 * new patches, under its own epoch.
 */
export class HostRole {
  private readonly peers = new Set<Peer>();
  private readonly byId = new Map<string, Peer>();
  /** The peers we welcomed: they receive entries and member changes. */
  private readonly welcomed = new Set<Peer>();
  /** Joiners waiting for the host-capable members to know of them (join-queue.ts). */
  private readonly joins = new JoinQueue();
  /** What the clientOnly welcomed members hold: they pace rounds when no member could host. */
  private readonly readers = new ListHolders();
  /** The sum of the pending counts our members report (status; pending-report.ts). */
  private pendingReported = 0;
  /** Which process each id we have seen is bound to (mesh/identity.ts). */
  private readonly bindings = new BindingTable();
  private readonly gather: GatherWindow;
  /** Admits, orders, broadcasts and applies (host-ordering.ts). */
  private readonly ordering: HostOrdering;
  /** History and snapshots members upload while we gather (host-uploads.ts). */
  private readonly uploads: UploadContext;
  private stopped = false;
  private listener: Listener | undefined;
  /** Tells the welcomed members who joined and who left, in rounds (member-announcer.ts). */
  private readonly announcer: MemberAnnouncer;
  /** When our own writes are acknowledged (own-write-release.ts). */
  private readonly ownWrites: OwnWriteRelease;
  private readonly fence: HostFence;
  private readonly addressWatch: { close(): void } | undefined;
  private readonly beatTimer: NodeJS.Timeout;
  private readonly messaging: HostHooks | undefined;
  /** Welcomed members that have not yet acknowledged a list naming them (messaging's settled). */
  private readonly registering = new Set<Peer>();

  constructor(
    private readonly core: ReplicaCore,
    private readonly options: HostRoleOptions,
  ) {
    this.ownWrites = new OwnWriteRelease(core, {
      members: () => this.welcomed.size,
      halted: () => this.stopped || this.fence.deposed(),
      deposedNow: () => this.fence.deposed(true),
    });
    this.gather = new GatherWindow({
      expected: options.expected,
      waitFull: options.firstHost,
      windowMs: options.gatherMs,
      longMs: options.gatherLimitMs,
      // The lost host counts as alive only while it runs: a stopped one is not waited for.
      isAlive: (member) => (member.peer === options.lostHost?.member.peer ? options.lostHost.running() : options.isAlive(member)),
      historyPending: () => [...this.peers].some((peer) => peer.awaitingHistory),
      onEnd: () => this.endGather(),
    });
    this.ordering = new HostOrdering(core, {
      mesh: options.mesh,
      epoch: options.epoch,
      self: options.self.peer,
      limits: options.limits,
      storage: options.storage,
      backplane: options.backplane,
      gathering: () => this.gather.gathering,
      deposed: () => this.fence.deposed(),
      welcomed: () => this.welcomed,
      connected: (peer) => this.peers.has(peer),
      alone: () => this.ownWrites.releaseAlone(),
      refused: (peer, error) => this.drop(peer, error),
      installed: () => {
        this.options.storage?.storeSnapshot();
        for (const peer of this.peers) if (peer.welcomed) this.sendSnapshot(peer);
      },
      onBackplaneError: (error) => this.options.onPeerError(error, undefined),
    });
    core.holdOwn = true;
    this.fence = new HostFence(options.hostTimeout, options.owns, () => this.deposed());
    // A member that deposes us replaces our socket's name. Checked only on the fence's own
    // schedule, we would go on acknowledging our remaining members' writes for up to its cache
    // time, writes held by no one the new host waits for; told by the directory, we stop at
    // once (within a turn of our event loop).
    this.addressWatch = options.watchAddress?.(() => {
      if (!this.stopped) this.fence.deposed(true);
    });
    // Members that hear nothing from us for hostTimeout depose us: speak up when idle.
    this.beatTimer = setInterval(() => this.beat(), beatInterval(options.hostTimeout));
    this.beatTimer.unref();
    // With a backplane messaging is refused (backplane/one-machine.ts): a member sending it anyway is dropped.
    this.messaging = options.backplane
      ? undefined
      : options.messaging?.host(
          hostMessagingLink({
            self: options.self.peer,
            ordering: this.ordering,
            clock: core.clock,
            deposed: () => this.fence.deposed(),
            peers: this.peers,
            byId: (id) => this.byId.get(id),
          }),
        );
    this.bindings.learn(options.previous.values());
    this.announcer = new MemberAnnouncer({
      epoch: options.epoch,
      self: options.self,
      ackTimeoutMs: MEMBER_ACK_TIMEOUT_MS,
      welcomed: () => this.welcomed,
      aware: () => (this.joins.tracking ? this.joins.aware() : this.readers.aware()),
      halted: () => this.stopped || this.fence.deposed(),
      sent: () => this.announceReady(),
      stalled: (late) => {
        for (const peer of late) {
          this.drop(peer, new MemSyncError('ERR_CONNECTION', `member '${peer.member?.peer}' did not acknowledge a joiner in time`));
        }
      },
    });
    this.uploads = {
      adoption: {
        core,
        limits: options.limits,
        gathering: () => this.gather.gathering,
        ordered: (entry) => this.ordering.broadcast.add(entry),
      },
      epoch: options.epoch,
      limits: options.limits,
      peers: this.peers,
      storeSnapshot: () => this.options.storage?.storeSnapshot(),
      sendSnapshot: (peer) => this.sendSnapshot(peer),
    };
    // Nobody to wait for ends the gather at once, but not before the owner holds us.
    queueMicrotask(() => this.checkGather());
  }

  get epoch(): number {
    return this.options.epoch;
  }

  get ready(): boolean {
    return !this.gather.gathering;
  }

  attach(listener: Listener): void {
    this.listener = listener;
  }

  members(): Member[] {
    const list = [this.options.self];
    for (const peer of this.peers) if (peer.member) list.push(peer.member);
    return list;
  }

  accept(conn: Connection): void {
    if (this.stopped) return conn.close();
    const peer = newHostPeer(conn);
    this.peers.add(peer);
    // A peer that connects and never speaks must not hold a slot forever.
    peer.helloTimer = setTimeout(
      () => this.drop(peer, new ProtocolError('ERR_PROTOCOL', 'no hello in time')),
      this.options.limits.helloTimeoutMs,
    );
    if (this.options.secret !== undefined) {
      peer.nonce = newNonce();
      conn.send({ type: 'challenge', nonce: peer.nonce });
    }
    conn.setHandlers({
      message: (raw) => {
        try {
          this.onMessage(peer, parseMessage(raw), raw);
        } catch (error) {
          this.drop(
            peer,
            error instanceof MemSyncError
              ? error
              : new ProtocolError('ERR_PROTOCOL', String(error)),
          );
        }
      },
      close: (error) => this.onClose(peer, error),
      // What the read ordered goes out now, not after the rest of the read's call stack
      // unwinds to the end of the tick; or, after an earlier batch of this turn, with the
      // rest of the turn's (entry-broadcast.ts).
      read: () => this.ordering.readDone(),
    });
  }

  /** Orders an own patch of the host process, or queues it while gathering. */
  submitLocal(patch: Patch): void {
    // Deposed: the patch stays in the outbox and goes to the new host once we rejoin.
    if (this.fence.deposed()) return;
    this.ordering.submitLocal(patch);
  }

  async stop(handover: boolean): Promise<void> {
    if (this.stopped) return;
    // What we ordered is sent and applied while our own writes are still held for replication.
    this.settle();
    this.stopped = true;
    this.messaging?.stopped();
    // Alone, what we ordered is acknowledged; with members, it waits for one to say it holds
    // it. Deposed, the new host may not have it: it stays held, and is settled by what the
    // mesh's history says once we rejoin (acknowledged if there, resent if not).
    if (this.welcomed.size === 0 && !this.fence.deposed(true)) this.core.releaseOwn(Number.POSITIVE_INFINITY);
    this.core.holdOwn = false;
    this.gather.cancel();
    this.announcer.stop();
    clearInterval(this.beatTimer);
    this.addressWatch?.close();
    await this.ordering.close();
    const successor = handover
      ? ([...this.peers].find((p) => p.known && p.member && !p.member.clientOnly)?.member?.peer ?? null)
      : null;
    for (const peer of this.peers) {
      clearTimeout(peer.helloTimer);
      if (handover && peer.welcomed)
        peer.conn.send({ type: 'handover', epoch: this.epoch, successor });
    }
    // Closing the listener releases the address; the successor cannot bind before that,
    // because until then its bind fails and its probe still reaches us.
    await this.listener?.close();
    for (const peer of this.peers) peer.conn.close();
    this.peers.clear();
    this.welcomed.clear();
    this.registering.clear();
    this.byId.clear();
  }

  /** `raw`: what the transport handed us (a compact submit's frame is relayed from it). */
  private onMessage(peer: Peer, message: Message, raw?: unknown): void {
    if (this.fence.deposed()) return;
    // Whatever reads our state (a joiner's catch-up, messaging's lock table, a call served
    // here, a flush) sees every entry ordered before it applied. Submits and acks do not.
    if (message.type !== 'submit' && message.type !== 'ack' && message.type !== 'pending') this.settle();
    if (message.type === 'hello') return this.onHello(peer, message);
    if (!peer.member) throw new ProtocolError('ERR_PROTOCOL', `'${message.type}' before hello`);
    switch (message.type) {
      case 'submit':
        // An honest client submits only under the epoch it was welcomed with.
        if (message.epoch !== this.epoch) {
          throw new ProtocolError('ERR_PROTOCOL', `submit for epoch ${message.epoch}, ours is ${this.epoch}`);
        }
        // An honest client holds its patches until it is known (client-role.ts).
        if (!peer.known) throw new ProtocolError('ERR_PROTOCOL', 'submit before it was told it is known');
        return this.ordering.submit(peer, message.patches, raw instanceof BinaryFrame ? raw.body : undefined);
      case 'ack':
        return this.onAck(peer, message);
      case 'history':
        return this.onHistory(peer, message.entries);
      case 'snapshot':
        return this.onSnapshotPart(peer, message);
      case 'flush':
        return answerFlush(this.options.storage, peer.conn, message.id);
      case 'pending': {
        // A member cannot have more waiting than we would queue from it: a larger claim is capped.
        const count = Math.min(message.count, this.options.limits.maxPendingPerPeer);
        this.pendingReported += count - peer.pending;
        peer.pending = count;
        return;
      }
      default:
        // A member hears events and calls once welcomed, and sends once known (client-role.ts),
        // but for what it serves: that comes at once, so no call misses it meanwhile.
        if (MESSAGING_TYPES.has(message.type) && this.messaging && peer.welcomed) {
          if (!peer.known && message.type !== 'handlers') throw new ProtocolError('ERR_PROTOCOL', `'${message.type}' before it was told it is known`);
          return this.messaging.message(peer.member.peer, message as MessagingMessage);
        }
        throw new ProtocolError('ERR_PROTOCOL', `unexpected '${message.type}' from a client`);
    }
  }

  private onHello(peer: Peer, hello: MessageOf<'hello'>): void {
    if (peer.member) throw new ProtocolError('ERR_PROTOCOL', 'second hello');
    const decision = admitHello(hello, {
      mesh: this.options.mesh,
      hostPeer: this.options.self.peer,
      secret: this.options.secret,
      nonce: peer.nonce,
      storage: this.options.storage?.id,
      isConnected: (id) => this.byId.has(id),
      bindings: this.bindings,
      isAlive: this.options.isAlive,
      held: (id) => this.byId.has(id) || (this.gather.gathering && this.options.expected.has(id)),
      epoch: this.epoch,
      stampCeiling: () => this.core.stampCeiling(),
    });
    if (decision.kind === 'refuse') {
      peer.conn.send({ type: 'refused', code: decision.code, message: decision.message });
      return this.drop(peer, decision.error);
    }
    if (decision.kind === 'behind') {
      peer.conn.send({ type: 'refused', code: 'ERR_CONNECTION', message: 'host epoch behind yours: re-electing' });
      this.drop(peer, new MemSyncError('ERR_CONNECTION', `peer '${hello.peer}' followed a newer epoch`));
      return this.options.onBehind(decision.epoch);
    }
    const { key } = decision;
    clearTimeout(peer.helloTimer);
    peer.conn.authenticated();
    peer.member = { peer: hello.peer, clientOnly: hello.clientOnly };
    if (hello.pid !== undefined) peer.member.pid = hello.pid;
    if (key !== undefined) peer.member.key = key;
    this.bindings.set(hello.peer, { key, pid: hello.pid });
    peer.hello = hello;
    peer.accepted = { protocol: decision.protocol, proof: decision.proof };
    this.byId.set(hello.peer, peer);
    // History it holds beyond ours is asked for once it is welcomed, as far as what it could
    // have seen bounds it (history-claims.ts); the gather waits for it.
    peer.trust = this.gather.gathering
      ? trustClaim(hello, key, {
          epoch: this.epoch,
          version: this.core.replica.version,
          logSize: this.core.log.limit,
          previous: this.options.previous,
        })
      : 'none';
    peer.awaitingHistory = peer.trust !== 'none';
    if (this.gather.gathering && hello.version > this.core.replica.version) {
      this.core.diagnostics.claimJudged(hello.peer, hello.version, this.core.replica.version, peer.trust);
    }
    this.gather.arrived(hello.peer);
    // Not known before a list that names it went out and was acknowledged (member-announcer.ts).
    peer.joinSeq = Number.POSITIVE_INFINITY;
    this.options.onMembers({ joined: [peer.member] });
    this.core.diagnostics.peerJoined(peer.member, hello.version);
    this.joins.push(peer);
    this.announcer.joined(peer);
    // Welcomed at once: it catches up meanwhile, and writes once it is known (announce()).
    this.welcome(peer);
    // No member could host: nobody has to know of it first (join-queue.ts).
    if (!this.joins.tracking) this.announceReady();
  }

  /** Patches waiting to be ordered across the mesh: our own, and what members report. */
  pending(): number {
    return this.core.outbox.size + this.pendingReported;
  }

  /** Tells every joiner that every host-capable member now knows of that it is known. */
  private announceReady(): void {
    if (this.stopped || this.fence.deposed()) return;
    const gone = (joiner: Peer) => joiner.known || !this.peers.has(joiner);
    for (const peer of this.joins.ready(gone, this.announcer.seq)) this.announce(peer);
    this.announcer.progress();
  }

  /**
   * From now on a next host waits for it after a failover: it may write (it holds its writes
   * until told, client-role.ts), and what it said it holds counts.
   */
  private announce(peer: Peer): void {
    peer.known = true;
    peer.conn.send({ type: 'known', epoch: this.epoch });
    if (peer.heldAck > 0) this.countAck(peer, peer.heldAck);
  }

  private welcome(peer: Peer): void {
    const hello = peer.hello!;
    const { protocol, proof } = peer.accepted!;
    peer.welcomed = true;
    this.welcomed.add(peer);
    this.registering.add(peer);
    this.messaging?.welcomed(hello.peer);
    peer.knownSeq = this.announcer.seq;
    if (!peer.member!.clientOnly) this.joins.track(peer.knownSeq);
    else this.readers.track(peer.knownSeq);
    const { replica, log } = this.core;
    const welcome: Omit<MessageOf<'welcome'>, 'members'> = {
      type: 'welcome',
      protocol,
      host: this.options.self.peer,
      epoch: this.epoch,
      version: replica.version,
      membersSeq: this.announcer.seq,
      clock: this.core.clock.last,
      lastSeq: replica.lastSeq(hello.peer),
      ...(proof === undefined ? {} : { proof }),
      ...(this.options.storage === undefined ? {} : { storage: this.options.storage.id }),
      ...(this.options.backplane === undefined ? {} : { backplane: this.options.backplane.kind }),
      pending: this.pending(),
    };
    // The members, kept encoded (welcome-list.ts): every change seen, which holds at least
    // list `membersSeq`; the next delta brings the joiner up to date (member-announcer.ts).
    const text = stringifyMessage(welcome);
    peer.conn.send(new RawJson(`${text.slice(0, -1)},"members":${this.announcer.welcomeList()}}`));
    const plan = planCatchUp(hello, replica, log, this.gather.gathering && peer.trust !== 'none');
    // When it holds history we lack, we adopt it before ordering anything new.
    peer.awaitingHistory = sendCatchUp(plan, peer.conn, this.epoch, replica, () => this.sendSnapshot(peer));
    this.ownWrites.check();
    this.checkGather();
  }

  private onAck(peer: Peer, ack: MessageOf<'ack'>): void {
    if (ack.epoch !== this.epoch || !peer.welcomed) return;
    if (ack.members !== undefined) {
      const known = Math.max(peer.knownSeq, Math.min(ack.members, this.announcer.seq));
      if (!peer.member!.clientOnly) this.joins.moved(peer.knownSeq, known);
      else this.readers.moved(peer.knownSeq, known);
      peer.knownSeq = known;
      // It sent what it serves on its welcome, before this: calls for it need wait no more.
      if (known >= peer.joinSeq && this.registering.delete(peer)) this.messaging?.settled(peer.member!.peer);
    }
    // A member cannot hold what we have not ordered: a larger claim is a lie, capped.
    const version = Math.min(ack.version, this.core.replica.version);
    // Not known yet, it may be the one replica a next host does not wait for: counted later.
    if (peer.known) this.countAck(peer, version);
    else peer.heldAck = Math.max(peer.heldAck, version);
    if (ack.members !== undefined) this.announceReady();
  }

  private countAck(peer: Peer, version: number): void {
    peer.ackedVersion = Math.max(peer.ackedVersion, version);
    this.ownWrites.held(peer.ackedVersion);
  }

  private onHistory(peer: Peer, entries: OrderedPatch[]): void {
    receiveHistory(peer, entries, this.uploads);
    this.checkGather();
  }

  private onSnapshotPart(peer: Peer, part: MessageOf<'snapshot'>): void {
    receiveSnapshotPart(peer, part, this.uploads);
    this.checkGather();
  }

  /** Sends and applies at once whatever is ordered and waits for the end of the tick. */
  private settle(): void {
    this.ordering.settle();
  }

  /** One stream at a time per member, its entries held meanwhile (snapshot-queue.ts). */
  private sendSnapshot(peer: Peer): void {
    const { conn } = peer;
    peer.snapshots ??= new SnapshotQueue(
      conn,
      (superseded) => {
        // The state as it is when the stream starts, not when it was asked for.
        this.core.diagnostics.snapshotSent(peer.member?.peer, this.core.replica.version);
        return streamSnapshotTo(conn, this.core.snapshot(), this.epoch, this.options.limits.maxFrameBytes, superseded);
      },
      (error) => this.drop(peer, new MemSyncError('ERR_CONNECTION', 'snapshot failed', { cause: error })),
    );
    peer.snapshots.request();
  }

  private checkGather(): void {
    this.gather.check();
  }

  private endGather(): void {
    if (this.stopped || this.fence.deposed()) return;
    // The gather closed on its limit while history was still coming: what those members hold
    // beyond us will be replaced by a snapshot when they rejoin, and they are told so.
    for (const peer of [...this.peers]) {
      if (peer.awaitingHistory) {
        this.drop(peer, new MemSyncError('ERR_CONNECTION', `history of '${peer.member?.peer}' not received within the gather limit`));
      }
    }
    this.ordering.gatherEnded();
    this.messaging?.ready();
    this.options.onReady();
  }

  /**
   * A heartbeat to every peer that said hello, welcomed or still joining (a joiner watches us
   * too); nothing to a connection that has not spoken: it gets nothing from us until it does.
   */
  private beat(): void {
    if (this.stopped || this.fence.deposed()) return;
    const beat = new RawJson(stringifyMessage({ type: 'beat', pending: this.pending() }));
    for (const peer of this.peers) if (peer.member) peer.conn.send(beat);
  }

  /** The fence found our address taken: stop everything; the owner rejoins as a client. */
  private deposed(): void {
    if (this.stopped) return;
    clearInterval(this.beatTimer);
    this.addressWatch?.close();
    this.options.onDeposed();
  }

  private drop(peer: Peer, error: MemSyncError): void {
    this.options.onPeerError(error, peer.member?.peer);
    peer.conn.close(error);
    this.onClose(peer, error, true);
  }

  private onClose(peer: Peer, error?: MemSyncError, reported = false): void {
    if (!this.peers.delete(peer)) return;
    // Messaging frees what the peer held by what our replica applied: let it hold all ordered.
    this.settle();
    if (this.welcomed.delete(peer)) {
      if (!peer.member!.clientOnly) this.joins.untrack(peer.knownSeq);
      else this.readers.untrack(peer.knownSeq);
    }
    this.registering.delete(peer);
    this.pendingReported -= peer.pending;
    // Back-pressure and frame errors end the connection in the transport: report them too.
    if (!reported && error && error.code !== 'ERR_CONNECTION' && !this.stopped) this.options.onPeerError(error, peer.member?.peer);
    if (peer.member && !this.stopped) this.core.diagnostics.peerLeft(peer.member.peer, error);
    clearTimeout(peer.helloTimer);
    if (peer.member && this.byId.get(peer.member.peer) === peer) this.byId.delete(peer.member.peer);
    if (peer.awaitingHistory) {
      // Gone before its history arrived (not refused for lying): the gather waits for it to
      // come back with it.
      const honest = error === undefined || error.code === 'ERR_CONNECTION';
      if (peer.member && honest && this.gather.gathering) this.gather.expectAgain(peer.member);
      this.checkGather();
    }
    if (peer.member && !this.stopped) {
      this.announcer.left(peer.member);
      this.options.onMembers({ left: [peer.member.peer] });
      this.announceReady();
      this.ownWrites.check();
      this.messaging?.left(peer.member.peer);
    }
  }
}
