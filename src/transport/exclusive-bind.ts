/**
 * Binding a Unix socket path only if the name is free, and closing it without ever deleting
 * a successor's socket.
 *
 * The server binds a fresh private name in the same directory, then `link()`s it to the
 * public path. link fails with EEXIST when the name exists, just as bind would, and the
 * private name is unlinked at once. The point is the close: libuv unlinks the path a server
 * bound when it closes, unconditionally. Having bound the private name, it unlinks only that
 * (long gone); the public name is unlinked by us, and only while its inode is still our
 * socket's. So a server that closes late never deletes the socket of a successor that bound
 * the name after ours was removed. Where link is not supported (some filesystems) or the
 * private name would be too long, we bind the public path directly and that protection is
 * lost: libuv will unlink whatever is at the path when we close.
 */
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { link, lstat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { socketIdentity } from './socket-identity.js';
import { errorCode } from './system-errors.js';

/** Something bound to a path that can be closed. */
export interface Closable {
  close(): Promise<void>;
}

/** A server bound by bindExclusive: it can tell whether the public path still leads to it. */
export interface BoundPath extends Closable {
  /** False once the public path names another socket (a successor took the address over). */
  owns(): boolean;
}

/** Longest Unix socket path, NUL excluded: macOS and the BSDs have 104 bytes, Linux 108. */
export const MAX_SOCKET_PATH_BYTES = process.platform === 'linux' ? 107 : 103;

// Errors from link() meaning "this filesystem cannot hard-link here", not "the name is taken".
const LINK_UNSUPPORTED = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'EMLINK', 'ENOSYS']);

/** Binds `path` exclusively with `start`; undefined when the name is taken. */
export async function bindExclusive(
  path: string,
  start: (path: string) => Promise<Closable>,
): Promise<BoundPath | undefined> {
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
  const mine = `${identity.dev}:${identity.ino}`;
  return {
    owns: () => socketIdentity(path) === mine,
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

async function bindDirect(
  path: string,
  start: (path: string) => Promise<Closable>,
): Promise<BoundPath | undefined> {
  try {
    const server = await start(path);
    const mine = socketIdentity(path);
    return { owns: () => mine !== undefined && socketIdentity(path) === mine, close: () => server.close() };
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
