/**
 * The chaos run's kill rule (chaos-run.ts): which running process still holds every
 * acknowledged write once a victim is gone, by the promise's own terms (README, "Failover:
 * what is guaranteed"). A write held only by processes the next host does not wait for is
 * not held at all:
 *
 * - The host. A host may be deposed at any moment without the run doing anything: a loaded
 *   machine (load 20-30 here, a 300 KB snapshot being streamed) keeps it silent past
 *   `hostTimeout`, and "a host frozen long enough to be deposed counts as gone: its successor
 *   does not wait for it". Until its fence notices, such a host still orders and acknowledges
 *   the writes of the members that have not left it yet; a client's write is then held by the
 *   writer and that host alone ("killing both within one failover loses it"). Counting the
 *   host as the holder let the run kill the writer, and the deposed host's history was
 *   replaced when it rejoined.
 * - A joiner not yet `known`: a next host may not know of it and does not wait for it (nor
 *   believe its snapshot). A client is known once any of its own writes was acknowledged in
 *   its current term: none is before that (replica-core.ts, the gate).
 *
 * A member that left its host and is electing was waited for as a member of that epoch; one
 * that was the host is not.
 */
export interface Holding {
  alive: boolean;
  /** The highest version among its acknowledged writes, as last reported. */
  ackedVersion: number;
  /** The version its replica held at that report: every version up to it. */
  version: number;
  /** Whether it was a known client, or one electing since, at that report (MemberState). */
  member: boolean;
  /** Its role as last reported, which can be newer than `member` (a member just elected host). */
  role: string;
  /** Stopped by SIGSTOP until this time (ms since the epoch): it cannot answer a new host. */
  frozenUntil: number;
}

/** Whether a next host would wait for `p` and take what it holds (see above). */
export function waitedFor(p: Holding, now: number): boolean {
  return p.alive && p.frozenUntil <= now && p.member && (p.role === 'client' || p.role === 'electing');
}

/**
 * Who holds every version an acknowledged write reached once `victim` is gone: the victim's
 * own and those of writers already dead, whose writes only the survivors hold. Every history
 * is a prefix of the mesh's one, so a replica at version v holds every write up to v.
 * Undefined: nobody does, and the victim is spared.
 */
export function holderWithout<P extends Holding>(victim: P, procs: readonly P[], now: number): { holder: P; need: number } | undefined {
  let need = victim.ackedVersion;
  for (const p of procs) if (!p.alive) need = Math.max(need, p.ackedVersion);
  const holder = procs.find((p) => p !== victim && waitedFor(p, now) && p.version >= need);
  return holder && { holder, need };
}

/**
 * Whether a process counts as a member for {@link Holding.member}, from its role changes and
 * acknowledgements: `role` on each role change (with the role before it), `acked` on each
 * acknowledged own write.
 */
export class MemberState {
  private member = false;
  private role = 'starting';

  get current(): boolean {
    return this.member;
  }

  roleChanged(role: string, previous: string): void {
    this.role = role;
    // A client that leaves its host stays one of that epoch's members while it elects; a host,
    // a joiner and anyone starting over is not one until its next acknowledgement.
    if (!(role === 'electing' && previous === 'client')) this.member = false;
  }

  acked(): void {
    if (this.role === 'client') this.member = true;
  }
}

/**
 * For CHAOS_DEBUG, when a victim is spared: who else held what it needed but does not count,
 * and why (the host, a joiner not yet known, frozen).
 */
export function describeUncounted<P extends Holding & { id: string }>(victim: P, procs: readonly P[], now: number): string {
  let need = victim.ackedVersion;
  for (const p of procs) if (!p.alive) need = Math.max(need, p.ackedVersion);
  const others = procs.filter((p) => p !== victim && p.alive && p.version >= need);
  const why = (p: P): string => (p.frozenUntil > now ? 'frozen' : p.role !== 'client' && p.role !== 'electing' ? p.role : p.member ? 'member' : 'not known');
  return `need ${need}, held by ${others.map((p) => `${p.id} (${why(p)}) at ${p.version}`).join(', ') || 'nobody else'}`;
}
