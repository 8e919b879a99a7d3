/**
 * Mesh names beside their sockets. A socket file is named by a hash of its mesh name (short,
 * fixed length: macOS allows 104 bytes for a socket path), so the name cannot be read back
 * from it. Each process that derives a default address leaves `<hash>.json` beside the
 * socket, mode 0600, holding the name; `memsync ls` reads it back and trusts it only if
 * the name hashes to the file's own hash (a file edited or planted by hand cannot relabel
 * another mesh's socket).
 */
import { createHash } from 'node:crypto';
import { closeSync, lstatSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { probeUnixPath } from './unix-probe.js';

/** The 16 hex digits a socket file of `meshName` is named by. */
export function meshHash(meshName: string): string {
  return createHash('sha256').update(meshName).digest('hex').slice(0, 16);
}

/** Metadata files are tiny; anything bigger was not written by us and is ignored. */
const MAX_METADATA_BYTES = 4096;

/**
 * Records `meshName` beside its socket in `dir` (which the caller has checked is ours and
 * 0700). Written once, exclusively (`wx`), mode 0600; an existing file is left as it is.
 * Never throws: a mesh must not fail to start because its label could not be written.
 */
export function recordMeshName(dir: string, meshName: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(join(dir, `${meshHash(meshName)}.json`), 'wx', 0o600);
    writeSync(fd, `${JSON.stringify({ name: meshName })}\n`);
  } catch {
    // EEXIST (already recorded) or a read-only directory: ls then shows the hash only.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The recorded name of the mesh whose socket is `<hash>.sock` in `dir`, if any and genuine. */
export function recordedMeshName(dir: string, hash: string): string | undefined {
  const file = join(dir, `${hash}.json`);
  try {
    const info = lstatSync(file);
    if (!info.isFile() || info.size > MAX_METADATA_BYTES) return undefined;
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    const name = (parsed as { name?: unknown } | null)?.name;
    return typeof name === 'string' && meshHash(name) === hash ? name : undefined;
  } catch {
    return undefined;
  }
}

/** One socket found in a socket directory. */
export interface MeshListing {
  /** The mesh name, when its metadata file is there and genuine. */
  name: string | undefined;
  /** The socket file. */
  socket: string;
  /**
   * `live`: a process accepts connections on it; `stale`: the file is left by a dead host;
   * `unreachable`: connecting failed otherwise (permissions, say).
   */
  state: 'live' | 'stale' | 'unreachable';
}

/**
 * Every socket file in `dir` (a missing directory has none), with its name and whether a
 * host is serving it. Probes the sockets concurrently; each probe is bounded by `timeoutMs`.
 */
export async function listMeshes(dir: string, timeoutMs = 1000): Promise<MeshListing[]> {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const sockets = entries.filter((entry) => /^[0-9a-f]{16}\.sock$/.test(entry)).sort();
  const found = await Promise.all(
    sockets.map(async (entry): Promise<MeshListing | undefined> => {
      const socket = join(dir, entry);
      try {
        if (!lstatSync(socket).isSocket()) return undefined;
      } catch {
        return undefined; // removed while we looked
      }
      const probe = await probeUnixPath(socket, timeoutMs);
      if (probe === 'missing') return undefined;
      return {
        name: recordedMeshName(dir, entry.slice(0, 16)),
        socket,
        state: probe === 'dead' ? 'stale' : probe instanceof Error ? 'unreachable' : 'live',
      };
    }),
  );
  return found.filter((listing) => listing !== undefined);
}
