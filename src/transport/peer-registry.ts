/**
 * Who takes part in a mesh on this machine: one small file per process beside the socket
 * (`<socket>.peers/<hash of the peer id>`, directory 0700, files 0600), holding its peer id
 * and pid. A process that never belonged to the mesh and finds the address free cannot know
 * from the mesh who is out there; these files tell it which processes holding the mesh's
 * state are still alive, so it waits for them before it orders anything (a survivor slower
 * to rebind than a freshly started process must not find its history replaced).
 *
 * Records of dead processes are harmless (their pid is checked) and are removed when seen.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from './process-alive.js';

export interface PeerRecord {
  peer: string;
  pid: number;
}

function registryDir(socketPath: string): string {
  return `${socketPath}.peers`;
}

function fileOf(socketPath: string, peer: string): string {
  return join(registryDir(socketPath), createHash('sha256').update(peer).digest('hex').slice(0, 32));
}

/** Records this process as a member; returns the function that removes the record. */
export function announcePeer(socketPath: string, record: PeerRecord): () => void {
  const file = fileOf(socketPath, record.peer);
  try {
    mkdirSync(registryDir(socketPath), { recursive: true, mode: 0o700 });
    writeFileSync(file, JSON.stringify(record), { mode: 0o600 });
  } catch {
    // Best effort: without the record a fresh host waits only its gather window for us.
    return () => {};
  }
  return () => {
    try {
      const current = JSON.parse(readFileSync(file, 'utf8')) as PeerRecord;
      // A later process with the same id may have taken the record over.
      if (current.pid === record.pid) rmSync(file, { force: true });
    } catch {
      // already gone
    }
  };
}

/** The members recorded at `socketPath` whose processes are alive; removes the others. */
export function livePeers(socketPath: string): PeerRecord[] {
  const dir = registryDir(socketPath);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: PeerRecord[] = [];
  for (const name of names.slice(0, 10_000)) {
    const file = join(dir, name);
    try {
      const record = JSON.parse(readFileSync(file, 'utf8')) as Partial<PeerRecord>;
      if (typeof record.peer !== 'string' || typeof record.pid !== 'number') continue;
      if (isProcessAlive(record.pid) === false) {
        rmSync(file, { force: true });
        continue;
      }
      out.push({ peer: record.peer, pid: record.pid });
    } catch {
      // unreadable or half-written: not a member we can wait for
    }
  }
  return out;
}
