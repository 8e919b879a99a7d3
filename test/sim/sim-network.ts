/**
 * A simulated network for the deterministic failover simulation: many "processes" in one
 * JS realm, each with its own Transport, over connections whose delivery times come from a
 * seeded random source (FIFO per connection, interleaved at random across connections).
 * Run under fake timers, a whole mesh history is a function of the seed and the schedule.
 *
 * Death is modelled as SIGKILL is: what a process had handed to the kernel (flushed) still
 * arrives, then its peers see the connection reset; what it had only queued in user space
 * is lost; its listener vanishes at once; and from then on it can reach nobody (its timers
 * may still run in this realm, but every send, listen and connect goes nowhere).
 */
import { ConnectionError, type MemSyncError } from '../../src/errors.js';
import { stringifyMessage } from '../../src/transport/framing.js';
import { Inbox } from '../../src/transport/inbox.js';
import { systemError } from '../../src/transport/system-errors.js';
import type { Address, Connection, ConnectionHandlers, Listener, Transport } from '../../src/transport/types.js';

/** Seeded PRNG (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const never = <T>(): Promise<T> => new Promise<T>(() => {});

let connectionNumber = 1;
/** What a socket's kernel buffers hold in flight, per direction, before writes queue in the process. */
const KERNEL_BUFFER_BYTES = 2048;

let listenerNumber = 1;

class SimConnection implements Connection {
  readonly id = `sim-${connectionNumber++}`;
  peer: SimConnection | undefined;
  /** The identity of the listener this connection was dialed to (Connection.target). */
  target: string | undefined;
  readonly inbox = new Inbox();
  private queued: string[] = [];
  private flushScheduled = false;
  private closedLocally = false;
  private ended = false;
  /** Virtual time before which nothing more on this direction may arrive (FIFO). */
  private lastArrival = 0;
  /** Flushed messages waiting for room in the kernel's buffer: they die with the process. */
  private userSpace: string[] = [];
  /** Bytes handed to the kernel and not yet read by the other end. */
  private inFlight = 0;

  constructor(
    readonly owner: SimProcess,
    private readonly net: SimNetwork,
  ) {}

  get closed(): boolean {
    return this.closedLocally || this.ended;
  }

  get bufferedBytes(): number {
    return 0;
  }

  /** Simulated peers have no pre-hello limits to lift. */
  authenticated(): void {}

  setHandlers(handlers: ConnectionHandlers): void {
    this.inbox.setHandlers(handlers);
  }

  send(message: unknown): void {
    if (this.closed || !this.owner.alive) return;
    this.queued.push(stringifyMessage(message));
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Per-tick batching, like the socket transport: until this runs, the bytes are only in
    // the process's memory and die with it.
    setImmediate(() => this.flush());
  }

  close(error?: MemSyncError): void {
    if (this.closed) return;
    this.closedLocally = true;
    this.inbox.end(error, false);
    if (this.owner.alive) this.flush();
    this.transmit(() => this.peer?.remoteEnded(undefined));
  }

  /** The process died: queued bytes are lost, the peer sees a reset after what was in flight. */
  die(): void {
    this.queued = [];
    this.userSpace = [];
    this.inbox.abandon();
    if (this.ended || this.closedLocally) return;
    this.ended = true;
    this.transmit(() =>
      this.peer?.remoteEnded(new ConnectionError('ERR_CONNECTION', 'connection reset: peer died')),
    );
  }

  remoteEnded(error: MemSyncError | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.inbox.end(error, true);
  }

  private flush(): void {
    this.flushScheduled = false;
    if (!this.owner.alive) return;
    for (const json of this.queued) this.userSpace.push(json);
    this.queued = [];
    this.pump();
  }

  /**
   * Hands messages to the "kernel" while its buffer has room (one message always fits):
   * behind a large snapshot, later messages wait in the sender's memory, as on a socket
   * whose reader is slower than its writer.
   */
  private pump(): void {
    while (this.userSpace.length > 0 && (this.inFlight === 0 || this.inFlight < KERNEL_BUFFER_BYTES)) {
      const json = this.userSpace.shift()!;
      this.inFlight += json.length;
      this.transmit(() => {
        this.inFlight -= json.length;
        this.peer?.receive(json);
        if (this.owner.alive) this.pump();
      });
    }
  }

  receive(json: string): void {
    if (!this.owner.alive || this.closedLocally) return;
    this.inbox.deliver(JSON.parse(json), json);
  }

  /** Schedules something to happen at the other end, after every earlier transmission. */
  private transmit(arrive: () => void): void {
    const stalled = Math.max(this.owner.stalledUntil, this.peer?.owner.stalledUntil ?? 0);
    const at = Math.max(this.lastArrival, Date.now() + this.net.delay(), stalled);
    this.lastArrival = at;
    setTimeout(arrive, at - Date.now());
  }
}

/** One simulated process: its transport, and whether it is alive. */
export class SimProcess {
  alive = true;
  /** Until then nothing reaches this process or leaves it (see `stall`). */
  stalledUntil = 0;
  readonly connections = new Set<SimConnection>();
  readonly transport: Transport;

  constructor(
    readonly name: string,
    private readonly net: SimNetwork,
  ) {
    this.transport = {
      listen: (address, onConnection, options) => this.listen(address, onConnection, options?.depose),
      connect: (address, options) => this.connect(address, options?.avoid),
      isAlive: (peer) => net.isAlive(peer.peer),
      // A stalled process is this simulation's stopped one (a frozen host is stalled).
      isRunning: (peer) => net.isRunning(peer.peer),
      announce: (_address, self) => {
        net.announced.set(self.peer, self.pid);
        return () => net.announced.delete(self.peer);
      },
      announced: () => [...net.announced].filter(([peer]) => net.isAlive(peer)).map(([peer, pid]) => ({ peer, pid })),
    };
  }

  get stalled(): boolean {
    return this.stalledUntil > Date.now();
  }

  /** For `ms`, nothing this process sends leaves, and nothing sent to it arrives. */
  stall(ms: number): void {
    this.stalledUntil = Math.max(this.stalledUntil, Date.now() + ms);
  }

  kill(): void {
    if (!this.alive) return;
    this.alive = false;
    this.net.dropListenersOf(this);
    for (const conn of this.connections) conn.die();
    this.connections.clear();
  }

  private async listen(
    address: Address,
    onConnection: (c: Connection) => void,
    depose: string | undefined,
  ): Promise<Listener> {
    if (!this.alive) return never();
    // A process that does not run does not bind either.
    if (this.stalledUntil > Date.now()) await new Promise((resolve) => setTimeout(resolve, this.stalledUntil - Date.now()));
    if (!this.alive) return never();
    const key = keyOf(address);
    const current = this.net.listeners.get(key);
    // A host found frozen is replaced by identity, as the socket transport replaces its file;
    // its listener lives on, unreachable, and finds out through `owns`.
    if (current && depose !== undefined && current.identity === depose) this.net.listeners.delete(key);
    if (this.net.listeners.has(key)) {
      throw new ConnectionError('ERR_CONNECTION', `listen on ${key} failed: EADDRINUSE`, {
        cause: systemError('EADDRINUSE', 'listen', key),
      });
    }
    const entry = { owner: this, onConnection, accepted: new Set<SimConnection>(), identity: `L${listenerNumber++}` };
    this.net.listeners.set(key, entry);
    return {
      address,
      owns: () => this.net.listeners.get(key) === entry,
      close: async () => {
        if (this.net.listeners.get(key) !== entry) return;
        this.net.listeners.delete(key);
        for (const conn of entry.accepted) conn.close();
      },
    };
  }

  private async connect(address: Address, avoid: string | undefined): Promise<Connection> {
    if (!this.alive) return never();
    const wait = Math.max(this.net.delay(), this.stalledUntil - Date.now());
    await new Promise((resolve) => setTimeout(resolve, wait));
    if (!this.alive) return never();
    const key = keyOf(address);
    const server = this.net.listeners.get(key);
    if (server && avoid !== undefined && server.identity === avoid) {
      throw new ConnectionError('ERR_CONNECTION', `connect to ${key}: deposed host`, {
        cause: systemError('EAGAIN', 'connect', key),
      });
    }
    if (!server) {
      throw new ConnectionError('ERR_CONNECTION', `connect to ${key} failed: ECONNREFUSED`, {
        cause: systemError('ECONNREFUSED', 'connect', key),
      });
    }
    const dialed = new SimConnection(this, this.net);
    const accepted = new SimConnection(server.owner, this.net);
    dialed.peer = accepted;
    accepted.peer = dialed;
    dialed.target = server.identity;
    this.connections.add(dialed);
    server.owner.connections.add(accepted);
    server.accepted.add(accepted);
    setImmediate(() => {
      if (server.owner.alive && !accepted.closed) server.onConnection(accepted);
    });
    return dialed;
  }
}

interface ListenerEntry {
  owner: SimProcess;
  identity: string;
  onConnection: (c: Connection) => void;
  accepted: Set<SimConnection>;
}

function keyOf(address: Address): string {
  return address.kind === 'unix' ? address.path : `${address.host}:${address.port}`;
}

export class SimNetwork {
  readonly listeners = new Map<string, ListenerEntry>();
  /** Peer ids recorded as holding the mesh's state (the transport's peer registry). */
  readonly announced = new Map<string, number>();
  private readonly byName = new Map<string, SimProcess>();

  /** @param random seeded source of every delay */
  constructor(
    private readonly random: () => number,
    private readonly maxDelayMs = 3,
  ) {}

  /** A delivery delay: mostly a few ms, sometimes a spike of tens of ms. */
  delay(): number {
    const r = this.random();
    if (r < 0.03) return 10 + Math.floor(this.random() * 40);
    return Math.floor(r * (this.maxDelayMs + 1));
  }

  process(name: string): SimProcess {
    const proc = new SimProcess(name, this);
    this.byName.set(name, proc);
    return proc;
  }

  /** Whether the newest process named `peer` is alive (unknown names: dead). */
  isAlive(peer: string): boolean {
    return this.byName.get(peer)?.alive ?? false;
  }

  /** Alive and not stalled: what a real transport reads from /proc (SIGSTOP). */
  isRunning(peer: string): boolean {
    const proc = this.byName.get(peer);
    return proc !== undefined && proc.alive && !proc.stalled;
  }

  dropListenersOf(owner: SimProcess): void {
    for (const [key, entry] of this.listeners) if (entry.owner === owner) this.listeners.delete(key);
  }
}
