/**
 * The lock taken while replacing a dead host's socket file, so that of several processes that
 * find the same stale file, exactly one removes it and binds, and none removes a live one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import net from 'node:net';
import { resolve as resolvePath } from 'node:path';
import { errorCode } from './system-errors.js';

/** Releases a held guard. */
export type ReleaseGuard = () => Promise<void>;

export interface TakeoverGuard {
  /** Takes the guard for `socketPath`, or resolves `undefined` at once if another process holds it. */
  acquire(socketPath: string): Promise<ReleaseGuard | undefined>;
}

/** Linux sun_path is 108 bytes; an abstract name is a NUL followed by up to 107 bytes. */
const SUN_PATH_BYTES = 108;

/**
 * The abstract socket name guarding `socketPath`. Padded to the full sun_path length by hand:
 * Node 20 pads abstract names with NULs and Node 22 does not, so an unpadded name would be two
 * different names for two Node versions, and both could hold "the" guard.
 */
export function abstractGuardName(socketPath: string): string {
  const hash = createHash('sha256').update(resolvePath(socketPath)).digest('hex').slice(0, 32);
  return `\0memsync-guard-${hash}`.padEnd(SUN_PATH_BYTES, '\0');
}

/**
 * Linux: bind an abstract Unix socket. The kernel releases it when its holder exits, however it
 * dies, so a crashed holder never blocks anyone. It is never connected to, only bound.
 */
export function abstractSocketGuard(): TakeoverGuard {
  return {
    acquire(socketPath) {
      return new Promise((resolve, reject) => {
        const server = net.createServer((socket) => socket.destroy());
        server.once('error', (error) => {
          if (errorCode(error) === 'EADDRINUSE') resolve(undefined);
          else reject(error);
        });
        server.listen(abstractGuardName(socketPath), () => {
          server.unref();
          resolve(() => new Promise<void>((done) => server.close(() => done())));
        });
      });
    },
  };
}

/** How old a lock file without a readable pid must be before it counts as abandoned. */
const UNREADABLE_LOCK_GRACE_MS = 5_000;

/**
 * Other OSes: a lock file created with O_EXCL holding `pid` and a nonce, reclaimed when that
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

/** The guard for this platform. */
export function defaultTakeoverGuard(): TakeoverGuard {
  return process.platform === 'linux' ? abstractSocketGuard() : lockFileGuard();
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
