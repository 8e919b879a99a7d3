/**
 * The lock taken while replacing a dead host's socket file, so that of several processes that
 * find the same stale file, exactly one removes it and binds, and none removes a live one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { link, lstat, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import net from 'node:net';
import { basename, dirname, join } from 'node:path';
import { bindExclusive, type Closable, MAX_SOCKET_PATH_BYTES } from './exclusive-bind.js';
import { errorCode } from './system-errors.js';
import { probeUnixPath } from './unix-probe.js';

/** Releases a held guard. */
export type ReleaseGuard = () => Promise<void>;

export interface TakeoverGuard {
  /** Takes the guard for `socketPath`, or resolves `undefined` at once if another process holds it. */
  acquire(socketPath: string): Promise<ReleaseGuard | undefined>;
}

/** How long a guard's holder has to answer a probe before it counts as alive anyway. */
const GUARD_PROBE_MS = 1_000;

/**
 * The guard's own socket file, beside the socket it guards: inside the mesh's directory,
 * which the path checks (path-trust.ts) require to be writable by no other user. A short
 * hashed name, so that it fits wherever the guarded socket's path does.
 */
export function guardPathFor(socketPath: string): string {
  const hash = createHash('sha256').update(basename(socketPath)).digest('hex').slice(0, 12);
  return join(dirname(socketPath), `.${hash}.guard`);
}

/**
 * A Unix socket file in the guarded socket's directory, bound exclusively and listening.
 * Whether its holder is alive is asked of the kernel, not guessed from a pid: a connect is
 * accepted while the holder runs and refused (ECONNREFUSED) once it has died, however it
 * died. A file left by a dead holder is reclaimed: moved aside, checked dead again under its
 * new name (a fresh guard moved by mistake is put back), removed, and bound anew.
 *
 * It replaces an abstract socket name, which had the same crash-safety but no permissions at
 * all: any local user could bind it first and make every takeover fail forever. Nobody but
 * the owner (and root) can create a file in the directory this one lives in.
 *
 * Where the guard's path would be too long for a socket, the lock file guard is used instead.
 */
export function socketFileGuard(): TakeoverGuard {
  return {
    async acquire(socketPath) {
      const guardPath = guardPathFor(socketPath);
      if (Buffer.byteLength(guardPath) > MAX_SOCKET_PATH_BYTES) {
        return lockFileGuard().acquire(socketPath);
      }
      for (let attempt = 0; attempt < 2; attempt++) {
        const held = await bindExclusive(guardPath, listenGuard);
        if (held) return () => held.close();
        const state = await probeUnixPath(guardPath, GUARD_PROBE_MS);
        if (state === 'live') return undefined;
        if (state instanceof Error) throw state;
        if (state === 'dead' && !(await reclaimDeadGuard(guardPath))) return undefined;
      }
      return undefined;
    },
  };
}

/** A server that only exists to be bound: probes connect and are dropped at once. */
function listenGuard(path: string): Promise<Closable> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => socket.destroy());
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      // A guard is held for one takeover; it must never keep a process alive.
      server.unref();
      resolve({ close: () => new Promise<void>((done) => server.close(() => done())) });
    });
  });
}

/**
 * Removes a guard file whose holder died. True when the name is free to bind again; false
 * when what we found turned out to be a live guard (taken between our probe and our move).
 */
async function reclaimDeadGuard(guardPath: string): Promise<boolean> {
  const aside = `${guardPath}.${randomBytes(6).toString('hex')}`;
  try {
    await rename(guardPath, aside);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return true;
    throw error;
  }
  const info = await lstat(aside).catch(() => undefined);
  const state = info?.isSocket() ? await probeUnixPath(aside, GUARD_PROBE_MS) : 'dead';
  if (state !== 'dead' && state !== 'missing') {
    // A live guard: its holder re-probes the host socket under it, so it must keep its name.
    await link(aside, guardPath).catch(() => {});
    await unlink(aside).catch(() => {});
    return false;
  }
  await unlink(aside).catch(() => {});
  return true;
}

/** How old a lock file without a readable pid must be before it counts as abandoned. */
const UNREADABLE_LOCK_GRACE_MS = 5_000;

/**
 * A lock file created with O_EXCL holding `pid` and a nonce, reclaimed when that
 * pid is dead. Reclaiming renames the stale file aside and checks it was the stale one (not a
 * fresh lock created in between) before retrying. A narrow race remains between two processes
 * reclaiming the same stale lock at the same instant; the exclusive link in unix-listen.ts
 * still keeps them from ever both binding.
 */
export function lockFileGuard(): TakeoverGuard {
  return {
    async acquire(socketPath) {
      const lockPath = `${socketPath}.lock`;
      const content = `${process.pid}\n${randomBytes(8).toString('hex')}\n`;
      for (let attempt = 0; attempt < 2; attempt++) {
        if (await createExclusive(lockPath, content)) return () => releaseLock(lockPath, content);
        const stale = await readStaleLock(lockPath);
        if (stale === 'gone') continue;
        if (stale === undefined) return undefined;
        if (!(await reclaim(lockPath, stale))) return undefined;
      }
      return undefined;
    },
  };
}

/** The guard used unless another is given: a socket file beside the guarded socket. */
export function defaultTakeoverGuard(): TakeoverGuard {
  return socketFileGuard();
}

async function createExclusive(lockPath: string, content: string): Promise<boolean> {
  try {
    const handle = await open(lockPath, 'wx', 0o600);
    try {
      await handle.writeFile(content);
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  }
}

/** The lock's content if its holder is gone, 'gone' if the file vanished, undefined if held. */
async function readStaleLock(lockPath: string): Promise<string | 'gone' | undefined> {
  let content: string;
  try {
    content = await readFile(lockPath, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return 'gone';
    throw error;
  }
  const pid = Number.parseInt(content.split('\n')[0] ?? '', 10);
  if (Number.isSafeInteger(pid) && pid > 0) return isAlive(pid) ? undefined : content;
  // No pid yet: the holder may be between creating and writing the file.
  const info = await stat(lockPath).catch(() => undefined);
  if (!info) return 'gone';
  return Date.now() - info.mtimeMs > UNREADABLE_LOCK_GRACE_MS ? content : undefined;
}

async function reclaim(lockPath: string, staleContent: string): Promise<boolean> {
  const aside = `${lockPath}.${randomBytes(6).toString('hex')}`;
  try {
    await rename(lockPath, aside);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return true;
    throw error;
  }
  const moved = await readFile(aside, 'utf8').catch(() => '');
  if (moved !== staleContent) {
    // We moved a fresh lock someone took meanwhile: put it back (link fails if yet another exists).
    await link(aside, lockPath).catch(() => {});
    await unlink(aside).catch(() => {});
    return false;
  }
  await unlink(aside).catch(() => {});
  return true;
}

async function releaseLock(lockPath: string, content: string): Promise<void> {
  const current = await readFile(lockPath, 'utf8').catch(() => undefined);
  if (current === content) await unlink(lockPath).catch(() => {});
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is just not ours.
    return errorCode(error) === 'EPERM';
  }
}
