/**
 * Real processes for integration tests: fork workers that each run one MemSync, drive them
 * over the process IPC channel, SIGKILL them, and always clean up — every worker killed
 * by its pid and the socket directory removed, even when a test fails.
 */
import { type ChildProcess, type ForkOptions, fork } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MemSyncOptions } from '../../src/index.js';
import type { RedisOptions } from 'ioredis';
import { RUN_DIR } from './run-dir.js';

const PID_FILE = join(RUN_DIR, 'pids.txt');

export interface WorkerEvent {
  event: string;
  [key: string]: unknown;
}

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: { code?: string; message: string };
}

/** What the worker's `status` command returns (MemSync's `status()` without `members`). */
export interface WorkerStatus {
  role: string;
  id: string;
  hostId?: string;
  epoch: number;
  version: number;
  peers: number;
  address: { kind: string; path?: string };
  pending: number;
}

export class WorkerError extends Error {
  constructor(
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

export class Worker {
  readonly events: WorkerEvent[] = [];
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    { resolve(v: unknown): void; reject(e: Error): void }
  >();
  private readonly watchers = new Set<() => void>();
  exited = false;
  /** How it ended: a signal name or `code N`; for error messages. */
  exitedWith: string | undefined;
  private signalled = false;
  readonly exit: Promise<void>;

  constructor(readonly child: ChildProcess) {
    child.on('message', (raw) => {
      const message = raw as Reply | WorkerEvent;
      if ('id' in message && typeof message.id === 'number') {
        const reply = message as Reply;
        const waiter = this.waiting.get(reply.id);
        this.waiting.delete(reply.id);
        if (reply.ok) waiter?.resolve(reply.result);
        else waiter?.reject(new WorkerError(reply.error?.code, reply.error?.message ?? 'failed'));
        return;
      }
      this.events.push(message as WorkerEvent);
      for (const watch of [...this.watchers]) watch();
    });
    this.exit = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exited = true;
        this.exitedWith = signal ?? `code ${code}`;
        // A signal nobody here sent: typically another vitest run's global teardown, which
        // kills every pid in the shared pid file, or the OOM killer.
        if (signal && !this.signalled) this.exitedWith += ', not sent by this test';
        for (const waiter of this.waiting.values())
          waiter.reject(new Error(`worker ${this.pid} exited (${this.exitedWith})`));
        this.waiting.clear();
        for (const watch of [...this.watchers]) watch();
        resolve();
      }),
    );
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /**
   * How assertions print a worker. Without it chai walks the ChildProcess, whose deprecated
   * `_channel` getter prints DEP0129 on every `expect(worker)`.
   */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Worker(pid ${this.pid}${this.exited ? `, exited: ${this.exitedWith}` : ''})`;
  }

  call<R = unknown>(
    cmd: string,
    args: Record<string, unknown> = {},
    timeoutMs = 20_000,
  ): Promise<R> {
    if (this.exited)
      return Promise.reject(new Error(`worker ${this.pid} has exited (${this.exitedWith})`));
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`worker ${this.pid}: '${cmd}' got no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as R);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.send({ id, cmd, ...args });
    });
  }

  /** Resolves with the first event (past or future) matching `match`; bounded by `timeoutMs`. */
  waitForEvent(
    match: (e: WorkerEvent) => boolean,
    timeoutMs = 20_000,
    from = 0,
  ): Promise<WorkerEvent> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.events.slice(from).find(match);
        if (found) {
          done();
          resolve(found);
        } else if (this.exited) {
          done();
          reject(new Error(`worker ${this.pid} exited (${this.exitedWith}) before the event`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`worker ${this.pid}: event not seen in ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.watchers.delete(check);
      };
      this.watchers.add(check);
      check();
    });
  }

  /** Sends a signal without waiting for an exit (SIGSTOP, SIGCONT). */
  signal(signal: NodeJS.Signals): void {
    if (!this.exited) this.child.kill(signal);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    this.signalled = true;
    if (!this.exited) this.child.kill(signal);
    return this.exit;
  }
}

/** One worker's status. */
export interface StatusOf {
  worker: Worker;
  status: WorkerStatus;
}

/** The workers agree on one host: who it is, its status, and every status read. */
export interface Agreement {
  host: Worker;
  status: WorkerStatus;
  all: StatusOf[];
}

/** Exactly one host, every other a client of it in its epoch; else undefined. */
export function agreement(all: StatusOf[]): Agreement | undefined {
  const hosts = all.filter((s) => s.status.role === 'host');
  const host = hosts[0];
  if (hosts.length !== 1 || host === undefined) return undefined;
  const { id, epoch } = host.status;
  const followers = all.every(
    (s) =>
      s === host ||
      (s.status.role === 'client' && s.status.hostId === id && s.status.epoch === epoch),
  );
  return followers ? { host: host.worker, status: host.status, all } : undefined;
}

/** A group of workers sharing one private socket directory. */
/** How a worker of another environment or user is forked. */
export type SpawnOptions = Pick<ForkOptions, 'env' | 'uid' | 'gid'>;

export class Cluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'memsync-it-'));
  readonly workers: Worker[] = [];

  constructor(readonly name = `mesh-${process.pid}-${Math.random().toString(36).slice(2, 8)}`) {}

  /**
   * Forks a worker: a string runs it on another Node binary (the mixed-version mesh test);
   * options for one in another environment (`env`) or as another user (`uid`, `gid`).
   */
  async spawn(how: string | SpawnOptions = {}): Promise<Worker> {
    const forkOptions: SpawnOptions = typeof how === 'string' ? {} : how;
    const execPath = typeof how === 'string' ? how : undefined;
    const child = fork(join(RUN_DIR, 'worker.mjs'), [], {
      ...forkOptions,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      ...(execPath === undefined ? {} : { execPath }),
    });
    if (child.pid) appendFileSync(PID_FILE, `${child.pid}\n`);
    const worker = new Worker(child);
    this.workers.push(worker);
    await worker.waitForEvent((e) => e.event === 'ready', 15_000);
    return worker;
  }

  /** Spawns and starts a worker in this mesh; resolves with its role (`redis`: see worker-main.ts). */
  async start(
    options: MemSyncOptions & { redis?: string | RedisOptions; redisSnapshotEvery?: number } = {},
    defaults: Record<string, unknown> = {},
    how: string | SpawnOptions = {},
  ): Promise<{ worker: Worker; role: 'host' | 'client' }> {
    const worker = await this.spawn(how);
    const role = await worker.call<'host' | 'client'>('start', {
      name: this.name,
      defaults,
      options: { dir: this.dir, ...options },
    });
    return { worker, role };
  }

  /** Starts `count` workers, `batch` at a time (forking all at once would swamp two cores). */
  async startMany(
    count: number,
    options: MemSyncOptions = {},
    defaults: Record<string, unknown> = {},
    batch = 10,
  ): Promise<{ worker: Worker; role: 'host' | 'client' }[]> {
    const started: { worker: Worker; role: 'host' | 'client' }[] = [];
    for (let i = 0; i < count; i += batch) {
      const size = Math.min(batch, count - i);
      started.push(
        ...(await Promise.all(Array.from({ length: size }, () => this.start(options, defaults)))),
      );
    }
    return started;
  }

  alive(): Worker[] {
    return this.workers.filter((w) => !w.exited);
  }

  /** Status of each live worker (or of each of `workers` still alive); one dying meanwhile is left out. */
  async statuses(workers: Worker[] = this.workers): Promise<StatusOf[]> {
    const read = await Promise.all(
      workers.map(async (worker) => {
        if (worker.exited) return undefined;
        try {
          return { worker, status: await worker.call<WorkerStatus>('status') };
        } catch (error) {
          if (worker.exited) return undefined;
          throw error;
        }
      }),
    );
    return read.filter((s) => s !== undefined);
  }

  /**
   * Waits until the live workers (or those of `workers`) agree: exactly one is host, every
   * other is a client of it in the same epoch. Resolves with the host and every status;
   * rejects with the last disagreement seen when `timeoutMs` passes.
   */
  async oneHost(timeoutMs = 30_000, workers: Worker[] = this.workers): Promise<Agreement> {
    let last: StatusOf[] = [];
    let found: Agreement | undefined;
    await until(
      async () => {
        last = await this.statuses(workers);
        found = agreement(last);
        return found !== undefined;
      },
      timeoutMs,
      () =>
        `one host (last statuses: ${JSON.stringify(last.map((s) => ({ pid: s.worker.pid, ...s.status, address: undefined })))})`,
    );
    if (!found) throw new Error('unreachable: until() resolved without agreement');
    return found;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Promise.all(this.workers.map((w) => w.kill('SIGKILL')));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Polls `probe` until it returns true; for conditions no event reports. Bounded. `what` may
 * be a function, to describe the last state seen when the wait times out.
 */
export async function until(
  probe: () => Promise<boolean> | boolean,
  timeoutMs = 20_000,
  what: string | (() => string) = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    if (await probe()) return;
    if (Date.now() > deadline)
      throw new Error(
        `${typeof what === 'function' ? what() : what} not reached in ${timeoutMs} ms`,
      );
    await new Promise((r) => setTimeout(r, delay));
  }
}
