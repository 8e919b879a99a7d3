import { diag } from '../diagnostics/index.js';
import { ConnectionError, MemSyncError, TimeoutError } from '../errors.js';
import type { ResolvedOptions } from '../options.js';
import type { Member } from '../protocol/messages.js';
import type { Address, Connection, Transport } from '../transport/types.js';
import type { Patch } from '../types.js';
import { ClientRole } from './client-role.js';
import { elect } from './election.js';
import { HostRole } from './host-role.js';
import { type LostHost, lostHost } from './lost-host.js';
import { HostStorage } from './host-storage.js';
import { flushThroughHosts } from '../storage/remote-flush.js';
import { idKey, processToken } from './identity.js';
import { MemberMap, type MembersChange, type MembersDiff } from './member-map.js';
import type { ReplicaCore } from './replica-core.js';
import type { MessagingPort } from '../messaging/link.js';

/** A process's place in the mesh (see `MemSync.role`). */
export type Role = 'idle' | 'starting' | 'host' | 'client' | 'electing' | 'stopped';

export interface MeshNodeEvents {
  role(role: Role, previous: Role): void;
  /** Who joined and who left (the whole list only when a welcome or a new term replaced it). */
  members(diff: MembersDiff): void;
  error(error: MemSyncError): void;
}

/**
 * Runs the roles of one replica over time: elect, host or join, and when the host is
 * lost (or hands over), elect again at once. Own patches go to whatever role is current;
 * while electing they wait in the outbox and are resent to the next host.
 */
/** Longest pause between two failed joins of one election. */
const MAX_RETRY_DELAY_MS = 250;
/** Pause after a failed re-election; doubled while the same failure repeats, up to the max. */
const FIRST_REELECT_RETRY_MS = 50;
const MAX_REELECT_RETRY_MS = 5_000;
/** Epochs of hosts that start at the same clock reading differ by a random part below this. */
const EPOCH_SPREAD = 1000;

export class MeshNode {
  role: Role = 'idle';
  host: HostRole | undefined;
  client: ClientRole | undefined;
  private readonly memberMap = new MemberMap();
  hostId: string | undefined;
  epoch = 0;
  private stopping = false;
  private early: Connection[] = [];
  /**
   * This replica has held the mesh's state: synced as a client, or hosted through a gather.
   * Until then it knows of nobody, which is not knowing that nobody is out there.
   */
  private belonged = false;
  private unannounce: (() => void) | undefined;
  /**
   * The host we last found frozen (ClientRole.deposed) and when: the next election takes its
   * address over, or (clientOnly) waits for someone to. Only for hostTimeout: a host that
   * nobody replaced by then may be running again, and is joined as any other.
   */
  private depose: { target: string; at: number } | undefined;
  /** The host we last followed left us with a handover (it stopped): no need to wait for it. */
  private handedOver = false;
  /** What the last failed join found frozen, if that is why it failed. */
  private deposedTarget: string | undefined;
  /** The store this replica writes while it hosts (options.storage). */
  readonly storage: HostStorage | undefined;
  /** Events, RPC and locks (src/messaging), handed to every role. */
  messaging: MessagingPort | undefined;
  /** Role changes so far, and who waits for the next one (a flush through an election). */
  private roleChanges = 0;
  private roleWaiters: Array<() => void> = [];

  constructor(
    private readonly name: string,
    private readonly core: ReplicaCore,
    private readonly transport: Transport,
    readonly address: Address,
    private readonly options: ResolvedOptions,
    private readonly events: MeshNodeEvents,
  ) {
    const storage = options.storage;
    this.storage = storage
      ? new HostStorage(storage.adapter, core, {
          mesh: name,
          limits: options.limits,
          compactEvery: storage.compactEvery,
          onFailed: (error) => this.onStorageFailed(error),
        })
      : undefined;
  }

  private get self(): Member {
    return { peer: this.core.peer, clientOnly: this.options.clientOnly, pid: process.pid, key: idKey(this.core.peer, processToken()) };
  }

  /** First election; resolves once this replica is host (and gathered) or synced as client. */
  async start(): Promise<'host' | 'client'> {
    this.setRole('starting');
    const deadline = Date.now() + this.options.timeout;
    try {
      return await this.runElection(deadline, 0);
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** Sends (or orders, when hosting) an own patch already in the view and the outbox. */
  submit(patch: Patch): void {
    if (this.host) this.host.submitLocal(patch);
    else this.client?.submit([patch]);
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const host = this.host;
    this.host = undefined;
    this.client?.close();
    this.client = undefined;
    for (const conn of this.early.splice(0)) conn.close();
    this.unannounce?.();
    // Everything acknowledged is released to the peers before the handover.
    await this.storage?.flush().catch(() => {});
    await host?.stop(true);
    await this.storage?.release().catch(() => {});
    this.setRole('stopped');
  }

  private async runElection(deadline: number, initialDelayMs: number): Promise<'host' | 'client'> {
    // Why the last join failed: a start() that times out says it (an id in use, say), and
    // consecutive failures back off so a refused joiner does not hammer the host.
    let lastFailure: unknown;
    let retryDelayMs = 0;
    const timedOut = (cause: unknown): TimeoutError => {
      const why = lastFailure instanceof Error ? `; last attempt: ${lastFailure.message}` : '';
      return new TimeoutError(
        `no host found and none could be elected within ${this.options.timeout} ms${why}`,
        { cause: lastFailure ?? cause },
      );
    };
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw timedOut(undefined);
      const round = elect({
        transport: this.transport,
        address: this.address,
        clientOnly: this.options.clientOnly,
        onConnection: (conn) => (this.host ? this.host.accept(this.admit(conn)) : this.early.push(conn)),
        cancelled: () => this.stopping || Date.now() > deadline,
        initialDelayMs,
        depose: () => this.deposeTarget(),
      }).catch((error: unknown) => {
        if (Date.now() > deadline && !this.stopping) throw timedOut(error);
        throw error;
      });
      const won = await round;
      // Whoever we found, it is not the frozen host's socket: that one is replaced or avoided.
      this.depose = undefined;
      if (won.role === 'host') {
        if (await this.becomeHost(won.listener)) return 'host';
        continue; // stepped down before it was ready: a newer epoch is out there
      }
      try {
        await this.becomeClient(won.connection, deadline);
        return 'client';
      } catch (error) {
        if (this.stopping) throw error;
        // Refused by the host (wrong secret, other mesh, old epoch): retrying cannot help.
        if (
          error instanceof MemSyncError &&
          (error.code === 'ERR_AUTH' || error.code === 'ERR_INCOMPATIBLE_PEER')
        ) {
          throw error;
        }
        // The host went away while we joined (retry at once), or refused us for now (an id
        // still connected: retry, slower and slower, until the deadline).
        lastFailure = error;
        diag(this.options).joinFailed(error);
        if (error instanceof MemSyncError && error.code === 'ERR_HOST_TIMEOUT') {
          // It stopped answering before it welcomed us: take its address over, at once.
          this.setDepose(this.deposedTarget);
          initialDelayMs = 0;
          continue;
        }
        retryDelayMs = Math.min(MAX_RETRY_DELAY_MS, Math.max(1, retryDelayMs * 2));
        initialDelayMs = retryDelayMs;
      }
    }
  }

  /** Resolves true once the host has gathered, false if it stepped down before that. */
  private async becomeHost(listener: import('../transport/types.js').Listener): Promise<boolean> {
    // A fresh epoch above anything seen: every message carries it, older ones are refused.
    // The random part keeps two hosts whose clocks lag the epoch they knew from both
    // taking the same number (an entry of one would pass for the other's).
    let epoch =
      Math.max(this.core.clock.next(), this.core.knownEpoch + 1) + Math.floor(Math.random() * EPOCH_SPREAD);
    // With storage, the store's claim may raise it (above every epoch that ever wrote it).
    if (this.storage) epoch = await this.claimStorage(listener, epoch);
    this.core.knownEpoch = epoch;
    const { transport, address } = this;
    // Whom to wait for: the members we knew, and the processes recorded beside the socket
    // as holding the mesh's state (all we can know of it when we never belonged).
    const expected = new Map<string, Member>();
    for (const m of this.members) if (m.peer !== this.hostId) expected.set(m.peer, m);
    for (const r of transport.announced?.(address) ?? []) {
      if (!expected.has(r.peer)) expected.set(r.peer, { peer: r.peer, clientOnly: false, pid: r.pid });
    }
    expected.delete(this.core.peer);
    // Who held which id in the previous epoch, the host we lost included (mesh/identity.ts).
    const previous = new Map(expected);
    for (const m of this.members) if (m.peer !== this.core.peer) previous.set(m.peer, m);
    // The host we lost is waited for only while its process runs (lost-host.ts).
    const lostHost = this.hostToWaitFor();
    if (this.hostId !== undefined) expected.delete(this.hostId);
    if (lostHost?.running()) expected.set(lostHost.member.peer, lostHost.member);
    diag(this.options).elected(epoch, expected.size);
    return new Promise<boolean>((resolve) => {
      const host = new HostRole(this.core, {
        mesh: this.name,
        epoch,
        self: this.self,
        secret: this.options.secret,
        expected,
        previous,
        firstHost: !this.belonged,
        gatherMs: this.options.gatherMs,
        gatherLimitMs: this.options.timeout,
        isAlive: (member) => transport.isAlive?.(member, address),
        lostHost,
        limits: this.options.limits,
        storage: this.storage,
        hostTimeout: this.options.hostTimeout,
        owns: () => listener.owns?.(),
        watchAddress: (onChange) => transport.watchAddress?.(address, onChange),
        onDeposed: () => {
          diag(this.options).hostLost(
            new MemSyncError('ERR_HOST_TIMEOUT', `deposed while not running: our address was taken over (epoch ${epoch})`),
            undefined,
          );
          if (host.ready) return this.stepDown(host, 0);
          this.host = undefined;
          void this.endHosting(host).then(() => resolve(false));
        },
        backplane: this.options.backplane,
        onMembers: (change) => this.setMembers(change, this.core.peer, epoch),
        onReady: () => {
          diag(this.options).gathered(epoch, this.core.replica.version);
          this.markBelonged();
          resolve(true);
        },
        onBehind: (newer) => {
          if (host.ready) return this.stepDown(host, newer);
          // Still electing: the running election goes round again.
          this.raiseKnownEpoch(newer);
          this.host = undefined;
          void this.endHosting(host).then(() => resolve(false));
        },
        onPeerError: (error, peer) => {
          diag(this.options).peerError(error, peer);
          this.events.error(error);
        },
        messaging: this.messaging,
      });
      // Own patches still unordered (in flight to the host that died) go first, in seq
      // order, ahead of any written while we gather: ordered after newer ones, they would
      // look like resends and be dropped.
      for (const patch of this.core.unordered()) host.submitLocal(patch);
      host.attach(listener);
      this.host = host;
      this.client = undefined;
      this.setMembers({ all: host.members() }, this.core.peer, epoch);
      this.setRole('host');
      for (const conn of this.early.splice(0)) host.accept(this.admit(conn));
    });
  }

  /** A member followed a newer epoch than ours: give the address up and elect again. */
  private stepDown(host: HostRole, newer: number): void {
    if (this.host !== host || this.stopping) return;
    this.raiseKnownEpoch(newer);
    this.host = undefined;
    this.setRole('electing');
    void this.endHosting(host).then(() => this.reelect(0));
  }

  /** A connection to a peer; with storage, what it is sent waits until the store holds it. */
  private admit(conn: Connection): Connection {
    return this.storage ? this.storage.wrap(conn) : conn;
  }

  /**
   * Claims the store before hosting (loading it, or continuing it after a failover); the
   * claimed epoch fences every older host out. Connections arriving meanwhile wait in
   * `early`. A store that cannot be read keeps us from hosting at all.
   */
  private async claimStorage(listener: import('../transport/types.js').Listener, proposed: number): Promise<number> {
    try {
      return await this.storage!.takeOver(proposed);
    } catch (error) {
      for (const conn of this.early.splice(0)) conn.close();
      await listener.close();
      await this.storage!.release().catch(() => {});
      throw error;
    }
  }

  /** Our store writes were refused (a newer host claimed it, or I/O failed): stop hosting. */
  private onStorageFailed(error: MemSyncError): void {
    const host = this.host;
    if (!host || this.stopping) return;
    this.events.error(error);
    this.host = undefined;
    this.setRole('electing');
    void this.endHosting(host).then(() => this.reelect(50));
  }

  /** Stops hosting without a handover; our store, if any, is closed (the next host claims it). */
  private async endHosting(host: HostRole): Promise<void> {
    await host.stop(false);
    await this.storage?.release().catch(() => {});
  }

  /** Resolves once the store holds `version` (at once when not hosting, or without storage). */
  whenDurable(version: number): Promise<void> {
    return this.storage ? this.storage.whenDurable(version) : Promise.resolve();
  }

  /** Everything this replica has seen ordered, on disk — see MemSync.flush(). Through elections, on the next host. */
  flush(): Promise<void> {
    return flushThroughHosts({
      attempt: (timeoutMs) => {
        if (this.host) return this.storage ? this.storage.flush() : Promise.resolve();
        return this.client?.flush(timeoutMs);
      },
      idle: () => this.role === 'idle' || this.role === 'stopped',
      generation: () => this.roleChanges,
      nextRole: () => new Promise<void>((resolve) => this.roleWaiters.push(resolve)),
    });
  }

  /** The backplane the mesh orders through: ours while we host, else the host's (its welcome). */
  get meshBackplane(): string | undefined {
    return this.host ? this.options.backplane?.kind : this.client?.hostBackplane;
  }

  /**
   * Patches waiting to be ordered across the mesh: our sum while we host, else the host's as
   * its welcome and heartbeats last said (up to hostTimeout/4 old). Undefined: no host known.
   */
  get meshPending(): number | undefined {
    return this.host ? this.host.pending() : this.client?.meshPending;
  }

  /** The store the mesh keeps its state in: ours while we host, else the host's (its welcome). */
  get meshStorage(): string | undefined {
    return this.host ? this.storage?.id : this.client?.hostStorage;
  }

  private async becomeClient(conn: Connection, deadline: number): Promise<void> {
    const client = new ClientRole(this.core, conn, {
      mesh: this.name,
      self: this.self,
      secret: this.options.secret,
      storage: this.storage?.id,
      limits: this.options.limits,
      hostTimeout: this.options.hostTimeout,
      onMembers: (change, host, epoch) => this.setMembers(change, host, epoch),
      onDiverged: (dropped, held, now) =>
        this.events.error(
          new MemSyncError(
            'ERR_CONNECTION',
            `rejoined after the new host's gather window: ${dropped} ordered patch(es) this replica held (up to version ${held}) are not in the mesh's history (version ${now}) and were dropped`,
          ),
        ),
      onLost: (error, handover) => this.onHostLost(client, error, handover),
      messaging: this.messaging,
    });
    this.client = client;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new TimeoutError('joined a host but did not sync in time')),
        Math.max(1, deadline - Date.now()),
      );
    });
    try {
      await Promise.race([client.whenSynced, timeout]);
      // Synced, then lost in the same turn (onHostLost left it to us, as we were still
      // joining): elect again, or nothing ever would and we would stay a client of nothing.
      if (client.lostWith) throw client.lostWith;
    } catch (error) {
      if (this.client === client) this.client = undefined;
      this.deposedTarget = client.deposed;
      client.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    this.markBelonged();
    this.setRole('client');
    diag(this.options).joined(this.hostId, this.epoch, this.core.replica.version);
  }

  /** The host we last followed, when it did not hand over (see lost-host.ts). */
  private hostToWaitFor(): LostHost | undefined {
    if (this.hostId === undefined || this.hostId === this.core.peer || this.handedOver) return undefined;
    const member = this.members.find((m) => m.peer === this.hostId);
    return member ? lostHost(member, (m) => this.transport.isRunning?.(m, this.address), this.options.hostTimeout) : undefined;
  }

  private markBelonged(): void {
    this.belonged = true;
    this.unannounce ??= this.transport.announce?.(this.address, { peer: this.core.peer, pid: process.pid });
  }

  private onHostLost(
    client: ClientRole,
    error: MemSyncError | undefined,
    handover: { successor: string | null } | undefined,
  ): void {
    if (this.client !== client || this.stopping) return;
    this.client = undefined;
    if (this.role !== 'client') return; // still joining: start()'s loop handles it
    this.handedOver = handover !== undefined;
    this.setDepose(client.deposed);
    if (error && error.code !== 'ERR_CONNECTION') this.events.error(error);
    diag(this.options).hostLost(error, handover);
    this.setRole('electing');
    // The named successor binds at once; the others give it a head start.
    const delay = handover ? (handover.successor === this.core.peer ? 0 : 5) : Math.random() * 3;
    void this.reelect(delay);
  }

  private async reelect(initialDelayMs: number): Promise<void> {
    // The same failure again and again (a socket directory made unsafe, say) is reported once,
    // and retried less and less often: it needs a person, not a busy loop.
    let lastReported = '';
    let retryMs = FIRST_REELECT_RETRY_MS;
    for (;;) {
      try {
        await this.runElection(Date.now() + this.options.timeout, initialDelayMs);
        return;
      } catch (error) {
        if (this.stopping) return;
        diag(this.options).electionFailed(error);
        const reported =
          error instanceof MemSyncError
            ? error
            : new ConnectionError('ERR_CONNECTION', 'election failed', { cause: error });
        const key = `${reported.code} ${reported.message}`;
        if (key !== lastReported) this.events.error(reported);
        else retryMs = Math.min(MAX_REELECT_RETRY_MS, retryMs * 2);
        lastReported = key;
        initialDelayMs = retryMs;
      }
    }
  }

  private setDepose(target: string | undefined): void {
    this.depose = target === undefined ? undefined : { target, at: performance.now() };
  }

  private deposeTarget(): string | undefined {
    if (this.depose && performance.now() - this.depose.at > this.options.hostTimeout) this.depose = undefined;
    return this.depose?.target;
  }

  private raiseKnownEpoch(epoch: number): void {
    if (epoch > this.core.knownEpoch) this.core.knownEpoch = epoch;
  }

  /** The mesh's members as this replica knows them (built on demand, not per change). */
  get members(): Member[] {
    return this.memberMap.list;
  }

  private setMembers(change: MembersChange, hostId: string, epoch: number): void {
    const diff = this.memberMap.apply(change);
    this.hostId = hostId;
    this.epoch = epoch;
    if (diff.joined.length > 0 || diff.left.length > 0) this.events.members(diff);
  }

  private setRole(role: Role): void {
    if (role === this.role) return;
    const previous = this.role;
    this.role = role;
    this.roleChanges++;
    for (const wake of this.roleWaiters.splice(0)) wake();
    diag(this.options).role(role, previous, this.epoch);
    this.events.role(role, previous);
  }
}
