import type { OrderedPatch } from '../types.js';

/**
 * A frame kept in place of its entries when it is not JSON text (the compact
 * entries, protocol/compact.ts): its size in bytes, and its entries, decoded again when asked.
 */
export interface SealedFrame {
  readonly length: number;
  entries(): readonly OrderedPatch[];
}

/** A frame of `entries`, all ordered in `epoch`, or undefined when they do not fit in one. */
export type SegmentEncoder = (entries: readonly OrderedPatch[], epoch: number) => SealedFrame | undefined;

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
  text: string | SealedFrame | undefined;
  /** Still taking appends. */
  open: boolean;
  /** What it counts against the log's byte bound: set once it is closed or sealed, 0 before. */
  bytes: number;
}

/** Entries an open segment takes before another is started: what trimming drops at once. */
const SEGMENT_ENTRIES = 256;

/**
 * Bytes of JSON the log holds at most by default (`logBytes`), besides its newest segment.
 * @default 67108864 (64 MiB)
 */
export const DEFAULT_LOG_BYTES = 64 * 1024 * 1024;

/**
 * The tail of the ordered history, bounded by entry count and by bytes, so a replica's
 * memory stays flat however many patches pass through it, and however large they are. Every replica keeps one: any of them may become
 * host and must then serve catch-up tails, and a client ahead of a new host hands its
 * tail over so the longest history survives a failover.
 *
 * It holds at least `capacity` entries (when that many were appended since the last gap)
 * unless they take more than `maxBytes` of JSON, and at most one segment more (up to 256
 * entries, or the entries of one frame): old entries are dropped a segment at a time. A
 * segment's bytes are the length of the frame it keeps, counted when it stops taking appends:
 * a segment of entries that came in no frame (a host alone's) is made one then, by the
 * encoder the log is given, else measured by its entries' JSON.
 */
export class EntryLog {
  private segments: Segment[] = [];
  private count = 0;
  private heldBytes = 0;
  private readonly segmentCap: number;
  /** See {@link holdForSeal}. */
  private holding = false;

  /**
   * `encode`: makes a closing segment of entries (one epoch) into a frame the log keeps in
   * their place, as it keeps the frames a replica is sent; undefined when it cannot (too
   * large for one frame): the entries are kept and measured by their JSON then.
   */
  constructor(
    private readonly capacity: number,
    private readonly maxBytes: number = DEFAULT_LOG_BYTES,
    private readonly encode?: SegmentEncoder,
  ) {
    this.segmentCap = Math.max(1, Math.min(SEGMENT_ENTRIES, capacity));
  }

  get size(): number {
    return this.count;
  }

  /** The most entries it keeps (`logSize`). */
  get limit(): number {
    return this.capacity;
  }

  /** Bytes counted against the bound (every segment but an open, unsealed one). */
  get bytes(): number {
    return this.heldBytes;
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
    if (tail === undefined || !tail.open || (!this.holding && tail.entries!.length >= this.segmentCap)) {
      if (tail) this.close(tail);
      tail = {
        first: entry.version,
        last: entry.version - 1,
        epoch: entry.epoch,
        entries: [],
        text: undefined,
        open: true,
        bytes: 0,
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
   * Until {@link releaseHold}, a full tail takes more appends instead of closing: a host
   * appends the entries of a batch it has just sent and then seals them with the frame sent
   * (seal), and a segment closed in between was measured (encoded or stringified) only to be
   * replaced, or, once closed, could not be replaced at all. Held for one batch at most, so the
   * entries not yet counted against the byte bound are at most one frame's.
   */
  holdForSeal(): void {
    this.holding = true;
  }

  releaseHold(): void {
    this.holding = false;
  }

  /**
   * Appends `count` consecutive entries of `entries` from `start`, which travelled in the
   * message `text` (when known): kept as that text in a segment of their own when they are
   * of one epoch, else appended one by one and sealed as {@link seal} would. A receiver
   * applies a frame's entries, then logs the frame: no segment of entries is built only to be
   * replaced by the text, and nothing is done per entry.
   */
  appendFrame(entries: readonly OrderedPatch[], start: number, count: number, text: string | SealedFrame | undefined): void {
    if (count <= 0) return;
    const first = entries[start]!;
    const end = start + count;
    let epoch: number | undefined = first.epoch;
    for (let i = start + 1; i < end && epoch !== undefined; i++) if (entries[i]!.epoch !== epoch) epoch = undefined;
    if (text === undefined || epoch === undefined) {
      for (let i = start; i < end; i++) this.append(entries[i]!);
      if (text !== undefined) this.seal(first.version, entries[end - 1]!.version, text);
      return;
    }
    const last = this.lastVersion;
    // A gap (after a snapshot) makes the old tail useless for catch-up: start afresh.
    if (last !== undefined && first.version !== last + 1) this.clear();
    const tail = this.segments[this.segments.length - 1];
    if (tail) this.close(tail);
    const sealed: Segment = { first: first.version, last: entries[end - 1]!.version, epoch, entries: undefined, text, open: false, bytes: text.length };
    this.segments.push(sealed);
    this.count += count;
    this.heldBytes += sealed.bytes;
    this.trim();
  }

  /**
   * Entries `first..last`, the last ones appended, travelled in the message whose JSON text
   * is `text`: keep that text instead of them. Nothing changes unless the log's newest
   * entries are exactly those versions, held as entries and ordered in one epoch.
   */
  seal(first: number, last: number, text: string | SealedFrame): void {
    const tail = this.segments[this.segments.length - 1];
    if (tail === undefined) return;
    // Whatever happens, the next append starts a new segment: one frame, one segment. The
    // tail is closed (its entries' JSON measured) only when it is kept: when it is replaced
    // by the text, measuring it would stringify a frame's entries for nothing.
    const keep = (): void => {
      this.close(tail);
      this.trim();
    };
    if (tail.last !== last) return keep();
    let start = this.segments.length;
    let epoch: number | undefined;
    for (;;) {
      const segment = this.segments[start - 1];
      if (segment === undefined || segment.entries === undefined || segment.last < first) return keep();
      if (segment.epoch === undefined || (epoch !== undefined && segment.epoch !== epoch)) return keep();
      epoch = segment.epoch;
      start--;
      if (segment.first === first) break;
      if (segment.first < first) return keep();
    }
    // Still open, so still uncounted (bytes 0): replacing it below subtracts nothing for it.
    tail.open = false;
    const sealed: Segment = { first, last, epoch, entries: undefined, text, open: false, bytes: text.length };
    for (const replaced of this.segments.splice(start, this.segments.length - start, sealed)) {
      this.heldBytes -= replaced.bytes;
    }
    this.heldBytes += sealed.bytes;
    this.trim();
  }

  /** No more appends to `segment`: from now on it counts against the byte bound. */
  private close(segment: Segment): void {
    if (!segment.open) return;
    segment.open = false;
    if (segment.text === undefined && segment.epoch !== undefined && this.encode !== undefined) {
      // A host alone is sent nothing, so nothing seals its segments: measuring them as JSON
      // cost a solo writer ~11 % of its CPU, and their entries' objects lived on in the heap.
      const frame = this.encode(segment.entries!, segment.epoch);
      if (frame !== undefined) {
        segment.text = frame;
        segment.entries = undefined;
      }
    }
    segment.bytes = segment.text?.length ?? JSON.stringify(segment.entries).length;
    this.heldBytes += segment.bytes;
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
    this.heldBytes = 0;
  }

  private trim(): void {
    while (this.segments.length > 1) {
      const oldest = this.segments[0]!;
      const held = oldest.last - oldest.first + 1;
      if (this.count - held < this.capacity && this.heldBytes <= this.maxBytes) return;
      this.segments.shift();
      this.count -= held;
      this.heldBytes -= oldest.bytes;
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
  const text = segment.text!;
  if (typeof text !== 'string') return text.entries();
  const message = JSON.parse(text) as { entries: OrderedPatch[] };
  return message.entries;
}
