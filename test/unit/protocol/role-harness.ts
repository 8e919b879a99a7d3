/**
 * A host role and a client role in this process, each wired to scripted connections, so a
 * test can hand them any message a hostile peer could send and see exactly what they did:
 * what they answered, whether they hung up, and what their replica holds afterwards.
 */
import type { MemSyncError } from '../../../src/errors.js';
import { ClientRole } from '../../../src/mesh/client-role.js';
import { HostRole } from '../../../src/mesh/host-role.js';
import type { MessagingPort } from '../../../src/messaging/link.js';
import { ReplicaCore } from '../../../src/mesh/replica-core.js';
import { type Member, PROTOCOL_VERSIONS } from '../../../src/protocol/messages.js';
import { helloFor } from '../../integration/hostile/raw-peer.js';
import { DEFAULT_LIMITS, type MemSyncLimits } from '../../../src/options.js';
import { BinaryFrame } from '../../../src/transport/binary-frame.js';
import { stringifyMessage } from '../../../src/transport/framing.js';
import type { Connection, ConnectionHandlers } from '../../../src/transport/types.js';
import type { JsonObject } from '../../../src/types.js';

export const MESH = 'hostile-unit';
export const HOST_ID = 'host';
export const HOST_EPOCH = 7;

/**
 * A connection driven by the test. Every message crosses it as JSON text, in both
 * directions, as over a socket; `close` notifies the owner once, from a microtask.
 */
export class ScriptedConnection implements Connection {
  readonly id = 'scripted';
  readonly bufferedBytes = 0;
  /** Whether the role under test lifted the pre-hello limits. */
  authenticatedCalled = false;
  authenticated(): void {
    this.authenticatedCalled = true;
  }

  /** What the role under test sent, parsed back from JSON. */
  readonly sent: Record<string, unknown>[] = [];
  closed = false;
  closeError: MemSyncError | undefined;
  #handlers: ConnectionHandlers | undefined;

  setHandlers(handlers: ConnectionHandlers): void {
    this.#handlers = handlers;
  }

  send(message: unknown): void {
    if (this.closed) return;
    this.sent.push(JSON.parse(stringifyMessage(message)) as Record<string, unknown>);
  }

  close(error?: MemSyncError): void {
    if (this.closed) return;
    this.closed = true;
    this.closeError = error;
    queueMicrotask(() => this.#handlers?.close(error));
  }

  /** The peer sends JSON text (which may hold `"__proto__"` keys); ignored once closed. */
  deliverText(json: string): void {
    if (this.closed) return;
    const handlers = this.#handlers;
    if (!handlers) throw new Error('the role has not set its handlers');
    handlers.message(JSON.parse(json));
  }

  /** The peer sends a binary frame (protocol 9's compact form): a copy of its bytes, as a socket would. */
  deliverFrame(frame: BinaryFrame): void {
    if (this.closed) return;
    const handlers = this.#handlers;
    if (!handlers) throw new Error('the role has not set its handlers');
    handlers.message(new BinaryFrame(Buffer.from(frame.body)));
  }

  /** The transport has delivered every message of one read (ConnectionHandlers.read). */
  endRead(): void {
    this.#handlers?.read?.();
  }

  /** The peer sends `message` (through JSON text). */
  deliver(message: unknown): void {
    this.deliverText(JSON.stringify(message));
  }

  /** The messages of `type` the role sent. */
  sentOf(type: string): Record<string, unknown>[] {
    return this.sent.filter((m) => m.type === type);
  }
}

function newCore(peer: string, defaults: JsonObject, limits: MemSyncLimits): ReplicaCore {
  return new ReplicaCore(
    { peer, defaults, logSize: 1000, now: Date.now, limits: { limits } },
    { viewChanged: () => {}, advanced: () => {}, ownRefused: () => {} },
  );
}

/** A hello an honest client of the test mesh sends. */
export function helloFrom(
  peer: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return helloFor(MESH, peer, { clientOnly: false, ...extra });
}

/** A member says it knows the last member list the host sent it, as honest clients do. */
export function ackLatestMembers(conn: ScriptedConnection): void {
  const lists = conn.sentOf('members');
  const seq = lists[lists.length - 1]?.seq;
  if (typeof seq === 'number') conn.deliver({ type: 'ack', epoch: HOST_EPOCH, version: 0, members: seq });
}

export interface HostHarnessOptions {
  defaults?: JsonObject;
  /** Members of a previous epoch the host waits for before it orders anything. */
  expected?: string[];
  gatherMs?: number;
  limits?: Partial<MemSyncLimits>;
  /** Whether the host's address still leads to it (HostRoleOptions.owns). */
  owns?: () => boolean | undefined;
  onDeposed?: () => void;
  hostTimeout?: number;
  /** Who held which id in the previous epoch (default: `expected`, with no keys). */
  previous?: Member[];
  isAlive?: (member: Member) => boolean | undefined;
  /** Events, RPC and locks (a MessagingHub), as MemSync wires them. */
  messaging?: MessagingPort;
}

export class HostHarness {
  readonly core: ReplicaCore;
  readonly role: HostRole;
  /** What the host reported through `onPeerError`. */
  readonly peerErrors: { error: MemSyncError; peer: string | undefined }[] = [];
  ready = false;

  constructor(options: HostHarnessOptions = {}) {
    const limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.core = newCore(HOST_ID, options.defaults ?? { n: 0 }, limits);
    this.role = new HostRole(this.core, {
      mesh: MESH,
      epoch: HOST_EPOCH,
      self: { peer: HOST_ID, clientOnly: false },
      secret: undefined,
      expected: new Map((options.expected ?? []).map((peer) => [peer, { peer, clientOnly: false }] as const)),
      previous: new Map(
        (options.previous ?? (options.expected ?? []).map((peer): Member => ({ peer, clientOnly: false }))).map((m) => [m.peer, m] as const),
      ),
      // A host that knows its previous members, so the gather ends once they are back.
      firstHost: false,
      gatherMs: options.gatherMs ?? 60_000,
      gatherLimitMs: options.gatherMs ?? 60_000,
      isAlive: options.isAlive ?? (() => undefined),
      onBehind: () => {},
      limits,
      hostTimeout: options.hostTimeout ?? 60_000,
      owns: options.owns ?? (() => undefined),
      onDeposed: options.onDeposed ?? (() => {}),
      onMembers: () => {},
      onReady: () => {
        this.ready = true;
      },
      onPeerError: (error, peer) => this.peerErrors.push({ error, peer }),
      messaging: options.messaging,
    });
  }

  /** A new connection to the host; nothing said yet. */
  connect(): ScriptedConnection {
    const conn = new ScriptedConnection();
    this.role.accept(conn);
    return conn;
  }

  /** Connections that joined, acknowledging member lists as honest clients do. */
  private readonly joined: ScriptedConnection[] = [];

  /** A connection that said a valid hello as `peer`, was welcomed and is known. */
  async join(peer: string): Promise<ScriptedConnection> {
    const conn = this.connect();
    conn.deliver(helloFrom(peer));
    if (conn.sentOf('welcome').length !== 1) throw new Error(`${peer} was not welcomed`);
    // Member changes go out at the end of the turn, or after a rest that follows a slow round
    // (member-announcer.ts): the joiner is sent the delta naming it with everyone.
    await settle();
    await waitFor(() => conn.sentOf('members').length > 0, `the delta naming ${peer}`);
    // A joiner is known once the host-capable members (itself included) know of it: they say so.
    this.joined.push(conn);
    for (const member of this.joined) ackLatestMembers(member);
    if (conn.sentOf('known').length !== 1) throw new Error(`${peer} was not told it is known`);
    return conn;
  }

  /** The host's own patch, as `MemSync.patch` would hand it over. */
  writeOwn(update: JsonObject): void {
    const patch = this.core.nextPatch({ update });
    this.core.propose(patch);
    this.role.submitLocal(patch);
  }

  /** Ends the role's timers. */
  stop(): Promise<void> {
    return this.role.stop(false);
  }
}

export class ClientHarness {
  readonly core: ReplicaCore;
  readonly conn = new ScriptedConnection();
  readonly role: ClientRole;
  lost: { error: MemSyncError | undefined } | undefined;

  /**
   * A client welcomed by a host at version 0 in {@link HOST_EPOCH}; `knownEpoch`: the newest
   * epoch it had followed before (a welcome of an older one must be refused); `known`: the
   * host then says every host-capable member knows of it (else the test says it, or not).
   */
  constructor(defaults: JsonObject = { n: 0 }, knownEpoch = 0, known = true, messaging?: MessagingPort) {
    this.core = newCore('client', defaults, DEFAULT_LIMITS);
    this.core.knownEpoch = knownEpoch;
    this.role = new ClientRole(this.core, this.conn, {
      mesh: MESH,
      self: { peer: 'client', clientOnly: false },
      secret: undefined,
      limits: DEFAULT_LIMITS,
      hostTimeout: 60_000,
      onMembers: () => {},
      onDiverged: () => {},
      onLost: (error) => {
        this.lost = { error };
      },
      messaging,
    });
    this.conn.deliver({
      type: 'welcome',
      protocol: PROTOCOL_VERSIONS[0],
      host: HOST_ID,
      epoch: HOST_EPOCH,
      version: 0,
      members: [{ peer: HOST_ID, clientOnly: false }],
      membersSeq: 1,
      clock: 0,
    });
    // Every host-capable member knows of it (protocol 7): it may write.
    if (known) this.conn.deliver({ type: 'known', epoch: HOST_EPOCH });
  }
}

/** Resolves once `ok()` holds, checked every millisecond; throws after 2 s. */
export async function waitFor(ok: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`no ${what} in 2 s`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Lets queued microtasks (close notices, gather checks) run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
