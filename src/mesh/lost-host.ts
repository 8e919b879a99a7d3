/**
 * The host a new host's members last followed, and whether the new host must wait for it.
 *
 * A host that died is not waited for: what it acknowledged, a member holds too (a client's
 * write its writer, the host's own another replica). Nor is one that is stopped (SIGSTOP, a
 * debugger) when its members depose it: it would hold the gather until it ran again, which
 * is what deposing it is for. But a member may depose a host that runs, only slowly (a loaded
 * machine): until that host sees its address taken it goes on ordering and acknowledging the
 * writes of the members still connected to it, which only it and each writer hold. Kill such
 * a writer and, if the new host did not wait for the old one, those writes are lost. So the
 * new host waits for a lost host while its process runs; that host steps down as soon as it
 * sees its address taken and comes back with its history, which the gather adopts. For
 * `hostTimeout` at most, as long as a member bears a silent host: a host that runs but makes
 * no progress (a busy loop) would otherwise hold the mesh up as if it were frozen, and one
 * that resumes late checks its address afresh before it acknowledges anything. Where the
 * transport cannot tell whether a process runs (TCP, other systems than Linux), it is not
 * waited for. A host that handed over (it stopped) is not either.
 */
import type { Member } from '../protocol/messages.js';

export interface LostHost {
  member: Member;
  /** Its process is alive and running now (checked each time), and the wait is not over. */
  running(): boolean;
}

export function lostHost(member: Member, isRunning: (member: Member) => boolean | undefined, waitMs: number): LostHost {
  const until = performance.now() + waitMs;
  return { member, running: () => performance.now() < until && isRunning(member) === true };
}
