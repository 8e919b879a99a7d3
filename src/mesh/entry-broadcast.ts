import { decodeCompact } from '../protocol/compact-decode.js';
import { encodeEntries, entryRuns } from '../protocol/compact.js';
import type { BinaryFrame } from '../transport/binary-frame.js';
import type { Connection } from '../transport/types.js';
import type { RelayedBodies } from '../protocol/compact-relay.js';
import type { OrderedPatch, Patch } from '../types.js';
import { MemSyncError } from '../errors.js';
import type { EntryLog, SealedFrame, SegmentEncoder } from './entry-log.js';
import { EventLoopTurn } from './event-loop-turn.js';
import { sendInBatches } from './frame-batches.js';

/**
 * Entries after which a message leaves at once instead of at the end of the read: it bounds a
 * frame, and how long the first entries of a burst wait. Not smaller: every frame costs each
 * member a socket write, a wake-up and a decode whatever its size; with 32 (a writer's submit
 * under load, ~5 per read) a host sending to 15 members spent ~0.24 us per member per patch,
 * where a bare relay writing one frame per tick spends ~0.04 (fanout bench, 2026-12-03).
 */
const EARLY_FLUSH = 1024;

/**
 * Collects the entries ordered in one tick and hands them out as one `entries` message: far
 * fewer frames under load, and the transport encodes the shared message once for all peers.
 *
 * Once per turn of the event loop (event-loop-turn.ts): the turn's first batch leaves at the
 * end of its tick or of its read; entries ordered later in the same turn (more reads in the
 * same poll phase, own writes of a loop that awaits between them) go together at its end.
 * #18's mixed workload, writes not awaited, A/B against the host's old rule (BENCHMARKS.md,
 * 2026-12-04): CPU per op at 2/4/8 processes 2.02/3.07/6.99 -> 1.49/2.96/4.45 us; awaited
 * writes and the round trip unchanged, since the turn's first batch still leaves at once.
 */
export class EntryBroadcast {
  private outgoing: OrderedPatch[] = [];
  private scheduled = false;
  private readonly turn = new EventLoopTurn(
    () => this.flush(),
    () => this.outgoing.length > 0,
  );
  /**
   * Set while `deliver` runs. The host applies a batch to its own replica inside it, and an
   * observer writing from there orders more: those wait for the next flush, so a batch is
   * always applied whole, and in order, before the next one is delivered.
   */
  private delivering = false;

  constructor(private readonly deliver: (entries: OrderedPatch[]) => void) {}

  add(entry: OrderedPatch): void {
    this.outgoing.push(entry);
    if (this.outgoing.length >= EARLY_FLUSH && !this.delivering) return this.flush();
    this.schedule();
  }

  /** A read ended: what it ordered leaves now if it is the turn's first batch, else at the turn's end. */
  readDone(): void {
    if (!this.turn.open) this.firstOfTurn();
  }

  /** Sends what waits now, whatever the turn (the host is about to read its own state). */
  flush(): void {
    if (this.delivering) return this.schedule();
    this.scheduled = false;
    if (this.outgoing.length === 0) return;
    const entries = this.outgoing;
    this.outgoing = [];
    this.delivering = true;
    try {
      this.deliver(entries);
    } finally {
      this.delivering = false;
    }
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // Within an open turn the turn's end sends it.
    if (!this.turn.open) queueMicrotask(this.firstOfTurn);
  }

  /** A turn is opened only by a batch that has entries: a read that ordered nothing opens none. */
  private readonly firstOfTurn = (): void => {
    if (this.outgoing.length > 0) this.turn.first();
  };
}

/** One `entries` message as sent: its entries and its frame (what the log keeps, entry-log.ts). */
export interface SentBatch {
  batch: readonly OrderedPatch[];
  text: SealedFrame;
}

/**
 * A compact `entries` frame (ours, or received and checked) as the log keeps it: its bytes
 * alone, decoded again only if a peer ever asks for those entries. (Keeping it as two strings
 * instead, its head as latin1 and its JSON part, cost the same: 10 alternated quick
 * throughput runs each, reader 2.41 and 2.45 us per patch.)
 */
export function sealable(frame: BinaryFrame, keep: (body: Buffer) => Buffer = exactCopy): SealedFrame {
  return new SealedCompact(frame.body, keep);
}

class SealedCompact implements SealedFrame {
  #body: Buffer;
  #keep: ((body: Buffer) => Buffer) | undefined;

  /** `keep`: how the bytes are copied out of what they view (a client's: mesh/frame-arena.ts). */
  constructor(body: Buffer, keep: (body: Buffer) => Buffer) {
    this.#body = body;
    this.#keep = keep;
  }

  /** Read when the log keeps the frame: only then is it copied out of what it views. */
  get length(): number {
    const keep = this.#keep;
    if (keep !== undefined) {
      this.#keep = undefined;
      this.#body = keep(this.#body);
    }
    return this.#body.length;
  }

  entries(): readonly OrderedPatch[] {
    const message = decodeCompact(this.#body);
    return message.type === 'entries' ? message.entries : [];
  }
}

/**
 * What the log makes of a closing segment of entries it was sent in no frame (a host alone's,
 * entry-log.ts): the frame a host would send of them. Undefined past `maxFrameBytes`: the log
 * keeps the entries then.
 */
export function segmentEncoder(maxFrameBytes: number): SegmentEncoder {
  return (entries, epoch) => {
    try {
      return sealable(encodeEntries(epoch, entries, false, maxFrameBytes));
    } catch (error) {
      if (error instanceof MemSyncError && error.code === 'ERR_LIMIT_EXCEEDED') return undefined;
      throw error;
    }
  };
}

/**
 * The bytes in memory of their own: a received body is a view of the socket's whole chunk,
 * a sent one of a shared pool slab, either of which it would keep alive for as long as the
 * log holds it. Kept as it is only when it fills its memory.
 */
function exactCopy(body: Buffer): Buffer {
  if (body.byteOffset === 0 && body.buffer.byteLength === body.length) return body;
  const copy = Buffer.allocUnsafeSlow(body.length);
  body.copy(copy);
  return copy;
}

/** Where a member's entries go: its connection, or what holds them while it is sent a snapshot. */
export type EntrySink = Pick<Connection, 'send'>;

/** What a host adds to {@link sendEntries} beyond the message. */
export interface SendOptions {
  /** Called with each frame before it is sent (the host's store keeps its bytes, host-storage.ts). */
  beforeSend?: ((batch: readonly OrderedPatch[], frame: BinaryFrame) => void) | undefined;
  /** Submits whose bodies are sent as they came (protocol/compact-relay.ts), by first patch. */
  relayed?: ReadonlyMap<Patch, RelayedBodies> | undefined;
  /** Where the log's copy of each frame is kept (the host's own arena, frame-arena.ts). */
  keep?: ((body: Buffer) => Buffer) | undefined;
}

/**
 * Sends one `entries` message to every member, encoded once for all of them (split in as
 * few as fit when a frame would be too large), and returns what was sent, for the log to
 * keep that text in place of the entries ({@link sealSent}). With nobody to send to, nothing
 * is encoded. `ack`: ask the members to say they hold them (the host's own writes wait for that).
 * `maxFrameBytes`: the mesh's frame limit (a batch too large for one frame is split).
 */
export function sendEntries(
  entries: OrderedPatch[],
  epoch: number,
  members: readonly EntrySink[],
  ack: boolean,
  maxFrameBytes: number,
  options: SendOptions = {},
): SentBatch[] {
  const sent: SentBatch[] = [];
  if (members.length === 0) return sent;
  const { beforeSend, relayed, keep } = options;
  // Protocol 9's compact form (protocol/compact.ts): one frame per run of consecutive
  // versions of one epoch, which is every batch but one adopting history across epochs.
  for (const run of entryRuns(entries)) {
    sendInBatches(
      run,
      (batch) => ({ batch, frame: encodeEntries(epoch, batch, ack, maxFrameBytes, relayed) }),
      ({ batch, frame }) => {
        beforeSend?.(batch, frame);
        for (const conn of members) conn.send(frame);
        sent.push({ batch, text: sealable(frame, keep) });
      },
    );
  }
  return sent;
}

/** The log holds the entries of `sent` (appended, in order): it keeps each message's text instead. */
export function sealSent(log: EntryLog, sent: SentBatch): void {
  log.seal(sent.batch[0]!.version, sent.batch[sent.batch.length - 1]!.version, sent.text);
}
