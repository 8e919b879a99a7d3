import type { OrderedPatch } from '../types.js';

/**
 * The tail of the ordered history, bounded by entry count so a host's memory stays flat
 * however many patches pass through it. Every replica keeps one: any of them may become
 * host and must then serve catch-up tails, and a client ahead of a new host hands its
 * tail over so the longest history survives a failover.
 */
export class EntryLog {
  private entries: OrderedPatch[] = [];
  private head = 0;

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.entries.length - this.head;
  }

  /** Lowest version held, or undefined when empty. */
  get firstVersion(): number | undefined {
    return this.entries[this.head]?.version;
  }

  append(entry: OrderedPatch): void {
    const last = this.entries[this.entries.length - 1];
    // A gap (after a snapshot) makes the old tail useless for catch-up: start afresh.
    if (last && entry.version !== last.version + 1) this.clear();
    this.entries.push(entry);
    if (this.size > this.capacity) {
      this.head++;
      // Compact now and then rather than shifting on every append.
      if (this.head >= this.capacity) {
        this.entries = this.entries.slice(this.head);
        this.head = 0;
      }
    }
  }

  /** The epoch that ordered `version`, if it is still held. */
  epochAt(version: number): number | undefined {
    const first = this.firstVersion;
    if (first === undefined || version < first) return undefined;
    return this.entries[this.head + (version - first)]?.epoch;
  }

  /**
   * Entries after `version`, or undefined when the log no longer reaches back that far
   * (the caller then sends a snapshot instead).
   */
  after(version: number, lastVersion: number): OrderedPatch[] | undefined {
    if (version >= lastVersion) return [];
    const first = this.firstVersion;
    if (first === undefined || version + 1 < first) return undefined;
    return this.entries.slice(this.head + (version + 1 - first));
  }

  clear(): void {
    this.entries = [];
    this.head = 0;
  }
}
