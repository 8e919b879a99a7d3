/**
 * What a replica says about itself: elections and their outcome, gathers, joins (its own, and
 * members joining and leaving the host, with the reason a connection ended), host losses,
 * snapshots sent and installed, refused and dropped peers (bad input, failed authentication,
 * slow readers: ERR_BACKPRESSURE).
 * Silent by default. `NODE_DEBUG=memsync` prints every line on stderr (util.debuglog);
 * `options.logger` receives them as `logger[level](fields, message)`, the argument order of
 * pino (a console logger prints both too).
 */
import { debuglog } from 'node:util';
import type { MemSyncError } from '../errors.js';
import type { Member } from '../protocol/messages.js';
import { publishRole, publishSnapshot } from './channels.js';

/** A logger with the usual four levels: pino, console, or your own. */
export interface Logger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

type Level = keyof Logger;

const debug = debuglog('memsync');

/** The options a replica's diagnostics are made from (a subset of ResolvedOptions). */
export interface DiagnosticsSource {
  id: string;
  logger?: Logger | undefined;
}

export class Diagnostics {
  constructor(
    private readonly peer: string,
    private readonly logger: Logger | undefined,
  ) {}

  private say(level: Level, event: string, message: string, fields: Record<string, unknown> = {}): void {
    if (debug.enabled) debug('%s %s: %s', this.peer, event, message);
    this.logger?.[level]({ peer: this.peer, event, ...fields }, message);
  }

  role(role: string, previous: string, epoch: number): void {
    publishRole({ peer: this.peer, role, previous, epoch });
    this.say('debug', 'role', `${previous} -> ${role}`, { role, previous, epoch });
  }

  /** Won the bind: host of a new epoch, gathering the previous members first. */
  elected(epoch: number, expected: number): void {
    this.say('info', 'election', `elected host, epoch ${epoch}; gathering ${expected} previous member(s)`, { epoch, expected });
  }

  /** The gather window closed: the host orders from here. */
  gathered(epoch: number, version: number): void {
    this.say('info', 'gather', `gather done, ordering from version ${version} in epoch ${epoch}`, { epoch, version });
  }

  /** Joined a host as a client, in sync. */
  joined(host: string | undefined, epoch: number, version: number): void {
    this.say('info', 'join', `joined host ${host} in epoch ${epoch} at version ${version}`, { host, epoch, version });
  }

  /** One join attempt failed; the election goes on (until its deadline). */
  joinFailed(error: unknown): void {
    this.say('debug', 'join', `join attempt failed: ${describe(error)}`, { error: describe(error) });
  }

  /** The host went away: electing a new one. */
  hostLost(error: MemSyncError | undefined, handover: { successor: string | null } | undefined): void {
    const why = handover ? `handed over (successor ${handover.successor ?? 'none'})` : (error ? describe(error) : 'connection closed');
    this.say('warn', 'election', `host lost: ${why}; electing`, { reason: why });
  }

  /** A whole election round failed (it is retried). */
  electionFailed(error: unknown): void {
    this.say('error', 'election', `election failed: ${describe(error)}; retrying`, { error: describe(error) });
  }

  /** The host let a member in (hello accepted). */
  peerJoined(member: Member, version: number): void {
    const what = `${member.clientOnly ? 'clientOnly ' : ''}peer ${member.peer}${member.pid === undefined ? '' : ` (pid ${member.pid})`}`;
    this.say('info', 'join', `${what} joined at version ${version}`, { other: member.peer, pid: member.pid, version });
  }

  /** A gathering host judged a joiner's claim to hold history beyond its own (mesh/history-claims.ts). */
  claimJudged(peer: string, claimed: number, ours: number, trust: string): void {
    this.say('info', 'claim', `peer ${peer} claims version ${claimed} (ours ${ours}): believed ${trust}`, { other: peer, claimed, ours, trust });
  }

  /** A member's connection to the host ended: why (a peer that just closed says so too). */
  peerLeft(peer: string, error: MemSyncError | undefined): void {
    const reason = error ? describe(error) : 'connection closed';
    this.say('info', 'leave', `peer ${peer} left: ${reason}`, { other: peer, reason, ...(error ? { code: error.code } : {}) });
  }

  /** The host sends a joiner (or a replica too far behind for the log) the whole state. */
  snapshotSent(peer: string | undefined, version: number): void {
    this.say('debug', 'snapshot', `sending a snapshot at version ${version} to ${peer ?? '(unknown)'}`, { other: peer, version });
  }

  /** This replica installed a snapshot. */
  snapshotInstalled(version: number, origin: string): void {
    publishSnapshot({ peer: this.peer, version, origin });
    this.say('info', 'snapshot', `installed a snapshot at version ${version} from ${origin}`, { version, origin });
  }

  /** The host refused or dropped a peer: bad input, failed auth, a slow reader (ERR_BACKPRESSURE). */
  peerError(error: MemSyncError, peer: string | undefined): void {
    this.say('warn', 'peer', `peer ${peer ?? '(before hello)'}: ${describe(error)}`, { other: peer, code: error.code });
  }
}

function describe(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && error instanceof Error) return `${String(error.code)}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

const made = new WeakMap<DiagnosticsSource, Diagnostics>();

/** The diagnostics of the replica these options belong to (one per options object). */
export function diag(source: DiagnosticsSource): Diagnostics {
  let found = made.get(source);
  if (!found) {
    found = new Diagnostics(source.id, source.logger);
    made.set(source, found);
  }
  return found;
}
