/**
 * The default address of a mesh: a socket file named after a hash of the mesh name, in a
 * directory only the current user can enter; a per-user named pipe on Windows.
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { ConnectionError, MemSyncError } from '../errors.js';
import { recordMeshName } from './mesh-registry.js';
import { checkSocketDir } from './path-trust.js';
import type { Address } from './types.js';

/** Longest mesh name accepted. */
export const MAX_MESH_NAME_LENGTH = 200;

/**
 * The address processes of one user use for `meshName` unless told otherwise.
 * @param dir directory for the socket file (created 0700 if missing, checked if present, with
 * every directory above it: path-trust.ts); default {@link defaultSocketDir}.
 * Ignored on Windows, where the address is a named pipe.
 * @param record leave the mesh name beside the socket for `memsync ls` (default); the CLI
 * passes false while it only looks for a mesh, so a name nobody serves leaves nothing behind.
 * @throws MemSyncError `ERR_INVALID_OPTION` for a bad name; ConnectionError `ERR_UNSAFE_PATH`
 * when the directory belongs to someone else or others can access it.
 * @example
 * defaultAddress('orders') // { kind: 'unix', path: '/run/user/1000/memsync/3d1f0c2b9e8a7f61.sock' }
 */
export function defaultAddress(meshName: string, dir?: string, record = true): Address {
  validateMeshName(meshName);
  if (process.platform === 'win32') {
    return { kind: 'unix', path: windowsPipePath(meshName, os.userInfo().username) };
  }
  const socketDir = dir ?? defaultSocketDir();
  ensureSocketDir(socketDir);
  if (record) recordMeshName(socketDir, meshName); // so that `memsync ls` can name the socket
  // A short fixed-length name: macOS allows only 104 bytes for the whole path.
  return { kind: 'unix', path: join(socketDir, `${shortHash(meshName)}.sock`) };
}

/** The named pipe for `meshName` of `userName`: `\\.\pipe\memsync-<user hash>-<name hash>`. */
export function windowsPipePath(meshName: string, userName: string): string {
  return `\\\\.\\pipe\\memsync-${shortHash(userName)}-${shortHash(meshName)}`;
}

/**
 * Creates `dir` (mode 0700) if missing; otherwise checks it is a real directory owned by the
 * current user with no group or other permission bits, so no one else can plant or hijack a
 * socket in it; and that no other user can swap it or a directory above it (path-trust.ts).
 * @throws ConnectionError `ERR_UNSAFE_PATH`
 */
export function ensureSocketDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (cause) {
    throw new ConnectionError('ERR_UNSAFE_PATH', `cannot create socket directory ${dir}`, {
      cause,
    });
  }
  // lstat: a symlink here could point anywhere, so it is refused rather than followed.
  const info = lstatSync(dir);
  if (!info.isDirectory()) {
    throw new ConnectionError('ERR_UNSAFE_PATH', `socket directory ${dir} is not a directory`);
  }
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) {
    throw new ConnectionError(
      'ERR_UNSAFE_PATH',
      `socket directory ${dir} is owned by uid ${info.uid}, not ${uid}`,
    );
  }
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
    throw new ConnectionError(
      'ERR_UNSAFE_PATH',
      `socket directory ${dir} has mode ${(info.mode & 0o777).toString(8)}; it must not be accessible to group or others`,
    );
  }
  checkSocketDir(dir, 'private');
}

/**
 * Where sockets go when no `dir` is given, chosen so that no other user can take the name
 * first: `$XDG_RUNTIME_DIR/memsync` when that is set (a per-user 0700 directory the login
 * manager makes); else `~/.memsync` when the home directory exists and is ours; only else
 * `<os.tmpdir()>/memsync-<uid>`, which another user can create first (start() then fails
 * with ERR_UNSAFE_PATH rather than use it).
 */
export function defaultSocketDir(): string {
  const runtimeDir = process.env.XDG_RUNTIME_DIR;
  if (runtimeDir) return join(runtimeDir, 'memsync');
  const uid = process.getuid?.();
  const home = os.homedir();
  if (uid !== undefined && home !== '' && isOwnDirectory(home, uid)) return join(home, '.memsync');
  return join(os.tmpdir(), `memsync-${uid ?? os.userInfo().username}`);
}

function isOwnDirectory(path: string, uid: number): boolean {
  try {
    const info = statSync(path);
    return info.isDirectory() && info.uid === uid;
  } catch {
    return false;
  }
}

function validateMeshName(meshName: string): void {
  if (typeof meshName !== 'string' || meshName.length === 0) {
    throw new MemSyncError('ERR_INVALID_OPTION', 'mesh name must be a non-empty string');
  }
  if (meshName.length > MAX_MESH_NAME_LENGTH) {
    throw new MemSyncError(
      'ERR_INVALID_OPTION',
      `mesh name is longer than ${MAX_MESH_NAME_LENGTH} characters`,
    );
  }
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
