/**
 * Whether a socket's directory can be trusted: that no other user can put a socket of their
 * own at its path, now or later. The rule is ssh's StrictModes, applied to the socket's
 * directory and to every directory above it up to `/`, as named and as resolved:
 *
 * - every directory is owned by root or by us: the owner of a directory can always
 *   rearrange what is below it;
 * - the socket's own directory is writable by nobody else (not even with the sticky bit:
 *   another user could create the socket's name before we do);
 * - a directory above it that others may write is accepted only if it is sticky (`/tmp`):
 *   others can then not rename or remove what we own in it;
 * - a symbolic link on the way is owned by root or by us.
 *
 * Checked when a mesh is constructed and again before every bind or connect (every election),
 * so a directory swapped or opened up later is refused then, not followed.
 */
import { lstatSync, realpathSync, type Stats, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve, sep } from 'node:path';
import { ConnectionError } from '../errors.js';

const GROUP_OR_OTHER_WRITE = 0o022;
const STICKY = 0o1000;

/** What the socket's own directory must be. */
export type DirRule =
  /** Owned by us, no access at all for group or others (a directory memsync creates). */
  | 'private'
  /** Owned by us or root, writable by nobody else (a directory given with `path`). */
  | 'not-writable-by-others';

/**
 * Checks the directory that holds `socketPath` and every directory above it.
 * @throws ConnectionError `ERR_UNSAFE_PATH` naming the directory and what to change.
 */
export function checkSocketPath(socketPath: string): void {
  checkSocketDir(dirname(resolve(socketPath)), 'not-writable-by-others');
}

/**
 * Checks `dir` (that it exists and follows `rule`) and every directory above it.
 * Nothing to check on Windows (named pipes) or where there are no uids.
 * @throws ConnectionError `ERR_UNSAFE_PATH`
 */
export function checkSocketDir(dir: string, rule: DirRule): void {
  const uid = process.getuid?.();
  if (process.platform === 'win32' || uid === undefined) return;
  const absolute = resolve(dir);
  let real: string;
  try {
    real = realpathSync(absolute);
  } catch (cause) {
    throw new ConnectionError('ERR_UNSAFE_PATH', `socket directory ${absolute} cannot be resolved`, {
      cause,
    });
  }
  // As named: each prefix (following links, as the kernel will) and each link itself.
  for (const prefix of ancestors(absolute)) {
    const link = statOf(prefix, lstatSync);
    if (link.isSymbolicLink()) requireOwner(prefix, link, uid, 'symbolic link');
    checkDirectory(prefix, statOf(prefix, statSync), uid, prefix === absolute ? rule : 'ancestor');
  }
  // As resolved: the directories the socket really lives in.
  if (real !== absolute) {
    for (const prefix of ancestors(real)) {
      checkDirectory(prefix, statOf(prefix, lstatSync), uid, prefix === real ? rule : 'ancestor');
    }
  }
}

function statOf(path: string, how: (path: string) => Stats): Stats {
  try {
    return how(path);
  } catch (cause) {
    throw new ConnectionError('ERR_UNSAFE_PATH', `cannot check ${path}`, { cause });
  }
}

function checkDirectory(path: string, info: Stats, uid: number, rule: DirRule | 'ancestor'): void {
  if (!info.isDirectory()) unsafe(`${path} is not a directory`);
  const mode = info.mode & 0o7777;
  if (rule === 'private') {
    if (info.uid !== uid) {
      unsafe(`socket directory ${path} is owned by uid ${info.uid}, not by you (uid ${uid}): remove it or choose another \`dir\``);
    }
    if ((mode & 0o077) !== 0) {
      unsafe(`socket directory ${path} has mode ${octal(mode)}; it must not be accessible to group or others: chmod 700 ${path}`);
    }
    return;
  }
  requireOwner(path, info, uid, rule === 'ancestor' ? 'directory above the socket' : 'socket directory');
  if ((mode & GROUP_OR_OTHER_WRITE) === 0) return;
  if (rule === 'ancestor' && (mode & STICKY) !== 0) return;
  const fix =
    rule === 'ancestor'
      ? `chmod go-w ${path} (or chmod +t ${path}), or use a socket directory elsewhere`
      : `another user could bind the socket first; chmod go-w ${path}, or put the socket in a directory only you can write`;
  unsafe(`${rule === 'ancestor' ? 'directory above the socket' : 'socket directory'} ${path} is writable by group or others (mode ${octal(mode)}): ${fix}`);
}

function requireOwner(path: string, info: Stats, uid: number, what: string): void {
  if (info.uid === uid || info.uid === 0) return;
  unsafe(`${what} ${path} is owned by uid ${info.uid}, not by you (uid ${uid}) or root: that user could replace what is below it; use a directory that only you and root control`);
}

/** `path` and every directory above it, from `/` down. */
function ancestors(path: string): string[] {
  if (!isAbsolute(path)) throw new Error(`not absolute: ${path}`);
  const chain: string[] = [];
  for (let current = path; ; current = dirname(current)) {
    chain.unshift(current);
    if (dirname(current) === current) break;
  }
  return chain.filter((p, i) => i === 0 || p !== sep);
}

function octal(mode: number): string {
  return mode.toString(8).padStart(3, '0');
}

function unsafe(message: string): never {
  throw new ConnectionError('ERR_UNSAFE_PATH', message);
}
