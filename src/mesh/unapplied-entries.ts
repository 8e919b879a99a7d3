import type { OrderedPatch } from '../types.js';
import type { ReplicaCore } from './replica-core.js';

/**
 * The entries a host has ordered and not yet applied to its own replica. A host sends an
 * entry to its members (and its store) first and applies it after: the entry is fixed once
 * ordered, and its outcome is each replica's own verdict on it, so nothing a member is told
 * depends on the host's apply, which then no longer lies on the path every write travels.
 *
 * Until they are applied, the replica's version and last seqs lag what was ordered: the next
 * version and a writer's last seq (exactly once) are read from here instead.
 */
export class UnappliedEntries {
  private entries: OrderedPatch[] = [];
  /** Ordered and not applied yet, those taken for delivery included. */
  private count = 0;
  /** The version of the last entry ordered while `count` > 0. */
  private last = 0;
  /** The highest seq of each writer among them. */
  private readonly seqs = new Map<string, number>();

  constructor(private readonly core: ReplicaCore) {}

  get size(): number {
    return this.count;
  }

  /** The version the next entry ordered takes. */
  nextVersion(): number {
    return (this.count > 0 ? this.last : this.core.replica.version) + 1;
  }

  /** The highest seq of `peer` ordered, applied here yet or not. */
  lastSeq(peer: string): number {
    const applied = this.core.replica.lastSeq(peer);
    if (this.count === 0) return applied;
    const ordered = this.seqs.get(peer);
    return ordered !== undefined && ordered > applied ? ordered : applied;
  }

  add(entry: OrderedPatch): void {
    this.entries.push(entry);
    this.count++;
    this.last = entry.version;
    const { peer, seq } = entry.patch;
    if ((this.seqs.get(peer) ?? 0) < seq) this.seqs.set(peer, seq);
  }

  /** The entries added since the last take, in order: the caller applies each (applied()) or drops them. */
  take(): OrderedPatch[] {
    const taken = this.entries;
    this.entries = [];
    return taken;
  }

  /** One taken entry was applied to the replica (or dropped: `n` of them). */
  applied(n = 1): void {
    this.count -= n;
    if (this.count === 0) this.seqs.clear();
  }
}
