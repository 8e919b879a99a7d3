/**
 * Worker processes driven over Node's process IPC channel (not the product's transport,
 * so driving them adds nothing to what is measured). Workers take their own timings; the
 * parent only starts, collects and kills. Every child is killed by its pid when its group
 * closes, and each group's socket directory is removed.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkerEvent, WorkerReply } from '../workers/protocol.js';

/** Every child alive and every socket directory in use, so an interrupted run still cleans up. */
const live = new Set<ChildProcess>();
const directories = new Set<string>();

/** Kills every child still alive (by pid) and removes every socket directory; for exit paths. */
export function cleanUpEverything(): void {
  for (const child of live) killByPid(child);
  for (const dir of directories) rmSync(dir, { recursive: true, force: true });
  directories.clear();
}

function killByPid(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(child.pid, 'SIGKILL');
  } catch {
    // exited between the check and the kill
  }
}

export interface SpawnOptions {
  /** Write a CPU profile of this child into this directory (it must then exit gracefully). */
  profileDir?: string | undefined;
}

export class Child {
  readonly events: WorkerEvent[] = [];
  readonly exited: Promise<void>;
  private nextId = 1;
  private readonly pending = new Map<number, (reply: WorkerReply) => void>();
  private readonly watchers = new Set<() => void>();
  private gone = false;

  constructor(
    readonly process: ChildProcess,
    readonly label: string,
    private readonly profiled: boolean,
  ) {
    process.on('message', (raw) => this.onMessage(raw as WorkerReply | WorkerEvent));
    this.exited = new Promise((resolve) => {
      process.once('exit', () => {
        this.gone = true;
        live.delete(process);
        for (const answer of this.pending.values()) answer({ id: -1, ok: false, error: 'exited' });
        this.pending.clear();
        for (const watch of [...this.watchers]) watch();
        resolve();
      });
    });
  }

  get pid(): number {
    return this.process.pid ?? -1;
  }

  get alive(): boolean {
    return !this.gone;
  }

  /** Runs one command in the worker; rejects on its error, its exit or after `timeoutMs`. */
  call<R>(command: Record<string, unknown> & { cmd: string }, timeoutMs = 30_000): Promise<R> {
    if (this.gone) return Promise.reject(new Error(`${this.label} (pid ${this.pid}) has exited`));
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.label}: '${command.cmd}' got no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, (reply) => {
        clearTimeout(timer);
        if (reply.ok) resolve(reply.result as R);
        else reject(new Error(`${this.label}: '${command.cmd}' failed: ${reply.error}`));
      });
      this.process.send({ ...command, id });
    });
  }

  /** The first event (already received or to come) that matches; bounded by `timeoutMs`. */
  waitFor(
    match: (event: WorkerEvent) => boolean,
    timeoutMs = 30_000,
    what = 'event',
  ): Promise<WorkerEvent> {
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.watchers.delete(check);
      };
      const check = (): void => {
        const found = this.events.find(match);
        if (found) {
          done();
          resolve(found);
        } else if (this.gone) {
          done();
          reject(new Error(`${this.label} exited before ${what}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.label}: no ${what} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.watchers.add(check);
      check();
    });
  }

  /** Sends SIGSTOP or SIGCONT by pid (a frozen process, then a running one again). */
  signal(signal: 'SIGSTOP' | 'SIGCONT'): void {
    if (this.process.pid !== undefined && !this.gone) process.kill(this.process.pid, signal);
  }

  /** SIGKILL by pid; resolves once the process is gone. */
  kill(): Promise<void> {
    killByPid(this.process);
    return this.exited;
  }

  /**
   * Ends the child: a profiled one is asked to exit (V8 writes its profile only on a normal
   * exit) and killed if it has not within two seconds; any other is killed at once.
   */
  async close(): Promise<void> {
    if (this.gone) return;
    if (this.profiled) {
      this.process.send({ id: 0, cmd: 'exit' });
      const timer = setTimeout(() => killByPid(this.process), 2000);
      await this.exited;
      clearTimeout(timer);
      return;
    }
    await this.kill();
  }

  private onMessage(message: WorkerReply | WorkerEvent): void {
    if (!('event' in message)) {
      const reply = message as WorkerReply;
      const answer = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      answer?.(reply);
      return;
    }
    this.events.push(message as WorkerEvent);
    for (const watch of [...this.watchers]) watch();
  }
}

/** The processes of one scenario run, sharing a private socket directory. */
export class ProcessGroup {
  readonly dir: string;
  readonly children: Child[] = [];
  /** Run on close, after the children are gone (e.g. stopping a redis-server). */
  private readonly cleanups: (() => Promise<void>)[] = [];

  constructor(
    readonly name: string,
    private readonly options: SpawnOptions = {},
  ) {
    this.dir = mkdtempSync(join(tmpdir(), `memsync-bench-${name}-`));
    directories.add(this.dir);
  }

  /** Forks a bundled worker and waits for it to say it is ready. */
  async spawn(file: string, label: string): Promise<Child> {
    const execArgv = ['--expose-gc'];
    const { profileDir } = this.options;
    if (profileDir) {
      const dir = join(profileDir, this.name, label.replace(/[^\w-]/g, '_'));
      mkdirSync(dir, { recursive: true });
      execArgv.push('--cpu-prof', `--cpu-prof-dir=${dir}`);
    }
    const process = fork(file, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    live.add(process);
    const child = new Child(process, label, profileDir !== undefined);
    this.children.push(child);
    await child.waitFor((e) => e.event === 'ready', 15_000, 'ready');
    return child;
  }

  /**
   * Forks `file` with `args` and does not wait for it: for one-shot programs that report an
   * event and exit (the cold-start scenario), with no command channel to wait on.
   */
  launch(file: string, args: string[], label: string): Child {
    const process = fork(file, args, { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    live.add(process);
    const child = new Child(process, label, false);
    this.children.push(child);
    return child;
  }

  /** Adds a step to run when the group closes, after its children are gone. */
  onClose(cleanup: () => Promise<void>): void {
    this.cleanups.push(cleanup);
  }

  /** Kills every child (by pid) and removes the socket directory. Safe to call twice. */
  async close(): Promise<void> {
    await Promise.all(this.children.map((child) => child.close()));
    for (const cleanup of this.cleanups.splice(0)) await cleanup();
    rmSync(this.dir, { recursive: true, force: true });
    directories.delete(this.dir);
  }
}

/** Runs `body` with a fresh group, always closing it afterwards. */
export async function withGroup<R>(
  name: string,
  options: SpawnOptions,
  body: (group: ProcessGroup) => Promise<R>,
): Promise<R> {
  const group = new ProcessGroup(name, options);
  try {
    return await body(group);
  } finally {
    await group.close();
  }
}

/**
 * A typed caller for one kind of worker: `C` is its command union, `R` maps each command
 * name to its result. `const memsync = caller<MemsyncCommand, MemsyncResults>(child)`.
 */
export function caller<C extends { cmd: string }, R extends { [K in C['cmd']]: unknown }>(
  child: Child,
) {
  return <K extends C['cmd']>(command: Extract<C, { cmd: K }>, timeoutMs?: number): Promise<R[K]> =>
    child.call<R[K]>(command as Record<string, unknown> & { cmd: string }, timeoutMs);
}
