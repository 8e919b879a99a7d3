/**
 * Binding a Unix socket path so that no live host is ever displaced and a dead one is replaced.
 *
 * Probe first. A free name is bound exclusively (exclusive-bind.ts), so that closing late
 * never deletes a successor. A live host is left alone (the caller joins it). A file nobody
 * answers on is replaced under a TakeoverGuard, after probing again under the guard.
 */
import { lstat, unlink } from 'node:fs/promises';
import { type BoundPath, bindExclusive } from './exclusive-bind.js';
import type { IpcServer } from './ipc-server.js';
import { socketIdentity } from './socket-identity.js';
import { errorCode, systemError } from './system-errors.js';
import type { TakeoverGuard } from './takeover-guard.js';
import { probeUnixPath } from './unix-probe.js';

/** Binds a server at the given filesystem path. */
export type StartServer = (path: string) => Promise<IpcServer>;

/** How many times a name found free (ENOENT on probe), then taken before our bind, sends us round again. */
const MAX_BIND_ATTEMPTS = 3;

/**
 * `depose`: the identity (socket-identity.ts) of a host its members found frozen. A socket that
 * still accepts is live and never taken, unless it is that very one: a stopped process's kernel
 * keeps accepting connections for it, so only silence over time can tell it is not running.
 */
export async function listenUnixPath(
  path: string,
  start: StartServer,
  guard: TakeoverGuard,
  depose?: string,
): Promise<BoundPath> {
  const inUse = systemError('EADDRINUSE', 'listen', path);
  for (let attempt = 0; attempt < MAX_BIND_ATTEMPTS; attempt++) {
    // Ask what is behind the name before binding: where a file is there (a live host, or a
    // dead one's socket) the bind cannot succeed, and it costs a whole server opened and
    // closed again. After a host dies every survivor races here at once on few cores; the
    // futile binds of the losers delayed the winner's.
    const state = await probeUnixPath(path);
    if (state === 'missing') {
      const bound = await bindExclusive(path, start);
      if (bound) return bound;
      continue; // bound by someone else meanwhile: ask again what is there
    }
    if (state === 'live' && !isDeposed(path, depose)) throw inUse;
    if (state instanceof Error) throw state;
    if (state === 'dead' || state === 'live') return takeOver(path, start, guard, inUse, depose);
  }
  throw inUse;
}

function isDeposed(path: string, depose: string | undefined): boolean {
  return depose !== undefined && socketIdentity(path) === depose;
}

async function takeOver(
  path: string,
  start: StartServer,
  guard: TakeoverGuard,
  inUse: Error,
  depose: string | undefined,
): Promise<BoundPath> {
  const release = await guard.acquire(path);
  // Someone else is replacing the file right now; the caller runs its election again.
  if (!release) throw inUse;
  try {
    // Checked again under the guard: another deposer may have replaced it already.
    const state = isDeposed(path, depose) ? 'dead' : await probeUnixPath(path);
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
    const bound = await bindExclusive(path, start);
    if (!bound) throw inUse;
    return bound;
  } finally {
    await release();
  }
}
