/**
 * A real `redis-server` for the bench and the backplane tests: in a temporary directory of its
 * own, listening only on a Unix socket there (no TCP port), with no persistence (no RDB
 * snapshots, no AOF) unless asked for AOF, killed by its pid and its directory removed on
 * stop. `restart` kills it and starts it again on the same directory and socket (what it
 * persisted survives, nothing else). Every server still running is also stopped by
 * {@link stopEveryRedisServer}, which the bench and the tests call on every exit path.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisServer {
  /** The Unix socket clients connect to. */
  readonly socket: string;
  readonly pid: number;
  /** CPU time (user + system) the server has used so far, in microseconds (from /proc). */
  cpuMicros(): number;
  /** Kills the server (SIGKILL, by pid), waits for it to exit and removes its directory. */
  stop(): Promise<void>;
  /** Kills the server (SIGKILL) and starts it again on the same directory and socket. */
  restart(): Promise<void>;
  /** Kills the server (SIGKILL) and keeps its directory, for a `restart` later. */
  kill(): Promise<void>;
}

const running = new Set<{ child: ChildProcess; dir: string }>();
/** Directories of servers not stopped yet, running or killed for a restart. */
const directories = new Set<string>();

/** The redis-server binary on PATH, or undefined. */
export function findRedisServer(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Kills every server still running and removes its directory; synchronous, for exit paths. */
export function stopEveryRedisServer(): void {
  for (const server of running) {
    kill(server.child);
  }
  running.clear();
  for (const dir of directories) rmSync(dir, { recursive: true, force: true });
  directories.clear();
}

function kill(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(child.pid, 'SIGKILL');
  } catch {
    // exited between the check and the kill
  }
}

/** Clock ticks per second of /proc/<pid>/stat's CPU fields (USER_HZ). */
const TICKS = 100;

/** CPU time (user + system) process `pid` has used so far, in microseconds (from /proc). */
export function cpuOf(pid: number): number {
  // Fields 14 and 15 (utime, stime) after the parenthesised command name.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / TICKS) * 1e6;
}

export interface StartOptions {
  /** How long the server may take to accept connections. Default 10 s. */
  timeoutMs?: number;
  /** Where its temporary directory goes. Default: the system's temporary directory. */
  parentDir?: string;
  /** AOF with this fsync policy (`always`: every write on disk before the reply). Default: none. */
  appendfsync?: 'always' | 'everysec';
  /** More `redis-server` arguments, after the defaults (a later one wins): TLS, ACL users, a TCP port. */
  args?: readonly string[];
}

/**
 * Starts a server and resolves once it accepts connections, within `timeoutMs`; on any
 * failure the server is killed and its directory removed before rejecting.
 */
export async function startRedisServer(options: StartOptions = {}): Promise<RedisServer> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const binary = findRedisServer();
  if (!binary) {
    throw new Error('redis-server not found on PATH: install it (Debian: apt-get install redis-server) or run the bench with --no-redis');
  }
  const dir = mkdtempSync(join(options.parentDir ?? tmpdir(), 'memsync-bench-redis-'));
  directories.add(dir);
  const socket = join(dir, 'redis.sock');
  const persistence = options.appendfsync
    ? ['--appendonly', 'yes', '--appendfsync', options.appendfsync]
    : ['--appendonly', 'no'];
  const args = [
    '--port', '0',
    '--unixsocket', socket,
    '--unixsocketperm', '700',
    '--save', '',
    ...persistence,
    '--dir', dir,
    '--daemonize', 'no',
    '--loglevel', 'notice',
    ...(options.args ?? []),
  ];
  let current: { child: ChildProcess; dir: string } | undefined;
  const killCurrent = async (): Promise<void> => {
    const entry = current;
    if (!entry) return;
    const { child } = entry;
    // No pid: it never started (spawn failed), so there is no exit to wait for.
    const exited = child.pid === undefined || child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => child.once('exit', () => resolve()));
    kill(child);
    await exited;
    running.delete(entry);
    current = undefined;
  };
  const stop = async (): Promise<void> => {
    await killCurrent();
    rmSync(dir, { recursive: true, force: true });
    directories.delete(dir);
  };
  const launch = async (): Promise<number> => {
    const child = spawn(binary, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    current = { child, dir };
    running.add(current);
    try {
      return await whenReady(child, timeoutMs);
    } catch (error) {
      await stop();
      throw error;
    }
  };
  let pid = await launch();
  return {
    socket,
    get pid() {
      return pid;
    },
    cpuMicros: () => cpuOf(pid),
    stop,
    kill: killCurrent,
    restart: async () => {
      await killCurrent();
      pid = await launch();
    },
  };
}

/**
 * Resolves with the pid once the server accepts connections (it says so on stdout), within
 * `timeoutMs`; rejects (leaving the kill to the caller) on any failure.
 */
function whenReady(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let output = '';
    let settled = false;
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new Error(`redis-server did not start: ${why}\n${output.slice(-2000)}`));
    };
    const timer = setTimeout(() => fail(`not ready in ${timeoutMs} ms`), timeoutMs);
    child.once('error', (error) => fail(error.message));
    child.once('exit', (code, signal) => fail(`exited (${signal ?? code})`));
    const onOutput = (chunk: Buffer): void => {
      output += chunk.toString();
      // 'Ready to accept connections' (6.x) or 'ready to accept connections at <socket>' (7.x).
      if (settled || !/ready to accept connections/i.test(output)) return;
      settled = true;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.stdout?.removeAllListeners('data');
      // Keep draining its output so the pipe never fills and blocks the server.
      child.stdout?.resume();
      resolve(child.pid!);
    };
    child.stdout?.on('data', onOutput);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
  });
}
