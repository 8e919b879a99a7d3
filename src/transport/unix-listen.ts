/**
 * Binding a Unix socket path so that no live host is ever displaced and a dead one is replaced.
 *
 * Exclusive bind: the server binds a fresh private name in the same directory, then `link()`s
 * it to the public path. link fails with EEXIST when the name exists, just as bind would (we
 * report it as EADDRINUSE), and the private name is unlinked at once. The point is the close:
 * libuv unlinks the path a server bound when it closes, unconditionally. Having bound the
 * private name, it unlinks only that (long gone); the public name is unlinked by us, and only
 * while its inode is still our socket's. So a host that closes late never deletes the socket
 * of a successor that bound the name after ours was removed. Where link is not supported
 * (some filesystems) or the private name would be too long, we bind the public path directly
 * and that protection is lost: libuv will unlink whatever is at the path when we close.
 *
 * Takeover: EADDRINUSE, then a probe. A live host is left alone (the caller joins it). A file
 * nobody answers on is replaced under a TakeoverGuard, after probing again under the guard.
 */
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { link, lstat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { IpcServer } from './ipc-server.js';
import { errorCode, systemError } from './system-errors.js';
import type { TakeoverGuard } from './takeover-guard.js';
import { probeUnixPath } from './unix-probe.js';

/** Binds a server at the given filesystem path. */
export type StartServer = (path: string) => Promise<IpcServer>;

/** Longest Unix socket path, NUL excluded: macOS and the BSDs have 104 bytes, Linux 108. */
const MAX_SOCKET_PATH_BYTES = process.platform === 'linux' ? 107 : 103;

// Errors from link() meaning "this filesystem cannot hard-link here", not "the name is taken".
const LINK_UNSUPPORTED = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'EMLINK', 'ENOSYS']);

/** How many times a vanished file (ENOENT on probe) sends us back to binding. */
const MAX_BIND_ATTEMPTS = 3;

export async function listenUnixPath(
  path: string,
  start: StartServer,
  guard: TakeoverGuard,
): Promise<IpcServer> {
  const inUse = systemError('EADDRINUSE', 'listen', path);
  for (let attempt = 0; attempt < MAX_BIND_ATTEMPTS; attempt++) {
    const bound = await bindIfFree(path, start);
    if (bound) return bound;
    const state = await probeUnixPath(path);
    if (state === 'live') throw inUse;
    if (state instanceof Error) throw state;
    if (state === 'dead') return takeOver(path, start, guard, inUse);
  }
  throw inUse;
}

async function takeOver(
  path: string,
  start: StartServer,
  guard: TakeoverGuard,
  inUse: Error,
): Promise<IpcServer> {
  const release = await guard.acquire(path);
  // Someone else is replacing the file right now; the caller runs its election again.
  if (!release) throw inUse;
  try {
    const state = await probeUnixPath(path);
    if (state === 'live') throw inUse;
    if (state instanceof Error) throw state;
    if (state === 'dead') {
      // ECONNREFUSED also comes from a regular file: never delete what is not a socket.
      const info = await lstat(path);
      if (!info.isSocket()) throw inUse;
      await unlink(path).catch((error: unknown) => {
        if (errorCode(error) !== 'ENOENT') throw error;
      });
    }
    const bound = await bindIfFree(path, start);
    if (!bound) throw inUse;
    return bound;
  } finally {
    await release();
  }
}

/** Binds exclusively; undefined when the name is taken. */
async function bindIfFree(path: string, start: StartServer): Promise<IpcServer | undefined> {
  const privatePath = privateSiblingPath(path);
  if (!privatePath) return bindDirect(path, start);
  const server = await start(privatePath);
  let identity: Stats;
  try {
    identity = await lstat(privatePath);
    await link(privatePath, path);
  } catch (error) {
    await server.close();
    const code = errorCode(error);
    if (code === 'EEXIST') return undefined;
    if (code !== undefined && LINK_UNSUPPORTED.has(code)) return bindDirect(path, start);
    throw error;
  }
  await unlink(privatePath).catch(() => {});
  return {
    async close() {
      // dev+ino is a sound identity here: a bound Unix socket holds a reference to its inode,
      // so until server.close() below no other file can be given our inode number.
      const current = await lstat(path).catch(() => undefined);
      if (current && current.ino === identity.ino && current.dev === identity.dev) {
        await unlink(path).catch(() => {});
      }
      await server.close();
    },
  };
}

async function bindDirect(path: string, start: StartServer): Promise<IpcServer | undefined> {
  try {
    return await start(path);
  } catch (error) {
    if (errorCode(error) === 'EADDRINUSE') return undefined;
    throw error;
  }
}

/** A random name beside `path` no longer than the socket path limit, or undefined. */
function privateSiblingPath(path: string): string | undefined {
  const candidate = join(
    dirname(path),
    `.${basename(path).slice(0, 24)}.${randomBytes(6).toString('hex')}.tmp`,
  );
  return Buffer.byteLength(candidate) <= MAX_SOCKET_PATH_BYTES ? candidate : undefined;
}
