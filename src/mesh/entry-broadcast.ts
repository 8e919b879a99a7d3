import { RawJson, stringifyMessage } from '../transport/framing.js';
import type { Connection } from '../transport/types.js';
import type { OrderedPatch } from '../types.js';
import type { EntryLog } from './entry-log.js';
import { sendInBatches } from './frame-batches.js';

/**
 * Collects the entries ordered in one tick and hands them out as one `entries` message: far
 * fewer frames under load, and the transport encodes the shared message once for all peers.
 */
/** Entries after which a message leaves at once, so readers start while we order the rest. */
const EARLY_FLUSH = 32;

export class EntryBroadcast {
  private outgoing: OrderedPatch[] = [];
  private scheduled = false;

  constructor(private readonly deliver: (entries: OrderedPatch[]) => void) {}

  add(entry: OrderedPatch): void {
    this.outgoing.push(entry);
    if (this.outgoing.length >= EARLY_FLUSH) return this.flush();
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => this.flush());
  }

  flush(): void {
    this.scheduled = false;
    if (this.outgoing.length === 0) return;
    const entries = this.outgoing;
    this.outgoing = [];
    this.deliver(entries);
  }
}

/**
 * Sends one `entries` message to every member, encoded once for all of them; the log then
 * keeps that text in place of the entries (see entry-log.ts). With nobody to send to, nothing
 * is encoded and the log keeps the entries themselves. `ack`: ask the members to say they
 * hold them (the host's own writes wait for that).
 */
export function sendEntries(
  entries: OrderedPatch[],
  epoch: number,
  members: readonly Connection[],
  log: EntryLog,
  ack = false,
): void {
  if (members.length === 0) return;
  sendInBatches(
    entries,
    (batch) => ({
      batch,
      text: new RawJson(stringifyMessage(ack ? { type: 'entries', epoch, entries: batch, ack } : { type: 'entries', epoch, entries: batch })),
    }),
    ({ batch, text }) => {
      for (const conn of members) conn.send(text);
      log.seal(batch[0]!.version, batch[batch.length - 1]!.version, text.text);
    },
  );
}
