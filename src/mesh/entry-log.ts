import type { OrderedPatch } from '../types.js';

/**
 * A run of consecutive versions. Either the entries themselves, or — once sealed — the JSON
 * text of the `entries` frame they travelled in, parsed again only if a peer ever asks for
 * them. A frame's text is one flat string where its parsed entries are five or so objects
 * each: holding ten thousand entries as objects made every replica's garbage collector
 * trace and promote them, which cost more than a fifth of applying an entry.
 */
interface Segment {
  first: number;
  last: number;
  /** The epoch that ordered every entry of the segment; undefined when they differ. */
  epoch: number | undefined;
  entries: OrderedPatch[] | undefined;
  /** An `entries`/`history` message holding (at least) versions first..last. */
  text: string | undefined;
  /** Still taking appends. */
  open: boolean;
}

/** Entries an open segment takes before another is started: what trimming drops at once. */
const SEGMENT_ENTRIES = 256;

/**
 * The tail of the ordered history, bounded by entry count so a host's memory stays flat
 * however many patches pass through it. Every replica keeps one: any of them may become
 * host and must then serve catch-up tails, and a client ahead of a new host hands its
 * tail over so the longest history survives a failover.
 *
 * It holds at least `capacity` entries (when that many were appended since the last gap)
 * and at most one segment more (up to 256 entries, or the entries of one frame): old
 * entries are dropped a segment at a time.
 */
export class EntryLog {
  private segments: Segment[] = [];
  private count = 0;
  private readonly segmentCap: number;

  constructor(private readonly capacity: number) {
    this.segmentCap = Math.max(1, Math.min(SEGMENT_ENTRIES, capacity));
  }

  get size(): number {
    return this.count;
  }

  /** Lowest version held, or undefined when empty. */
  get firstVersion(): number | undefined {
    return this.segments[0]?.first;
  }

  /** Highest version held, or undefined when empty. */
  get lastVersion(): number | undefined {
    return this.segments[this.segments.length - 1]?.last;
  }

  append(entry: OrderedPatch): void {
    const last = this.lastVersion;
    // A gap (after a snapshot) makes the old tail useless for catch-up: start afresh.
    if (last !== undefined && entry.version !== last + 1) this.clear();
    let tail = this.segments[this.segments.length - 1];
    if (tail === undefined || !tail.open || tail.entries!.length >= this.segmentCap) {
      if (tail) tail.open = false;
      tail = {
        first: entry.version,
        last: entry.version - 1,
        epoch: entry.epoch,
        entries: [],
        text: undefined,
        open: true,
      };
      this.segments.push(tail);
    }
    tail.entries!.push(entry);
    tail.last = entry.version;
    if (tail.epoch !== entry.epoch) tail.epoch = undefined;
    this.count++;
    this.trim();
  }

  /**
   * Entries `first..last`, the last ones appended, travelled in the message whose JSON text
   * is `text`: keep that text instead of them. Nothing changes unless the log's newest
   * entries are exactly those versions, held as entries and ordered in one epoch.
   */
  seal(first: number, last: number, text: string): void {
    const tail = this.segments[this.segments.length - 1];
    if (tail === undefined) return;
    // Whatever happens, the next append starts a new segment: one frame, one segment.
    tail.open = false;
    if (tail.last !== last) return;
    let start = this.segments.length;
    let epoch: number | undefined;
    for (;;) {
      const segment = this.segments[start - 1];
      if (segment === undefined || segment.entries === undefined || segment.last < first) return;
      if (segment.epoch === undefined || (epoch !== undefined && segment.epoch !== epoch)) return;
      epoch = segment.epoch;
      start--;
      if (segment.first === first) break;
      if (segment.first < first) return;
    }
    const sealed: Segment = { first, last, epoch, entries: undefined, text, open: false };
    this.segments.splice(start, this.segments.length - start, sealed);
  }

  /** The epoch that ordered `version`, if it is still held. */
  epochAt(version: number): number | undefined {
    const segment = this.segmentOf(version);
    if (segment === undefined) return undefined;
    if (segment.epoch !== undefined) return segment.epoch;
    return segment.entries![version - segment.first]?.epoch;
  }

  /**
   * Entries after `version`, or undefined when the log no longer reaches back that far
   * (the caller then sends a snapshot instead).
   */
  after(version: number, lastVersion: number): OrderedPatch[] | undefined {
    if (version >= lastVersion) return [];
    const first = this.firstVersion;
    if (first === undefined || version + 1 < first) return undefined;
    const out: OrderedPatch[] = [];
    for (const segment of this.segments) {
      if (segment.last <= version) continue;
      const from = Math.max(version + 1, segment.first);
      for (const entry of entriesOf(segment)) {
        if (entry.version >= from && entry.version <= segment.last) out.push(entry);
      }
    }
    return out;
  }

  clear(): void {
    this.segments = [];
    this.count = 0;
  }

  private trim(): void {
    while (this.segments.length > 1) {
      const oldest = this.segments[0]!;
      const held = oldest.last - oldest.first + 1;
      if (this.count - held < this.capacity) return;
      this.segments.shift();
      this.count -= held;
    }
  }

  private segmentOf(version: number): Segment | undefined {
    let low = 0;
    let high = this.segments.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const segment = this.segments[middle]!;
      if (version < segment.first) high = middle - 1;
      else if (version > segment.last) low = middle + 1;
      else return segment;
    }
    return undefined;
  }
}

/** A segment's entries; a sealed one parses its text (our own, already checked, frame). */
function entriesOf(segment: Segment): readonly OrderedPatch[] {
  if (segment.entries !== undefined) return segment.entries;
  const message = JSON.parse(segment.text!) as { entries: OrderedPatch[] };
  return message.entries;
}
