/**
 * A replica's work per entry it receives, measured in one process with no socket: frames of
 * 32 `$inc` entries each, decoded and parsed, then either dropped (what a relay reader does,
 * with the relay's JSON frames) or taken through everything a memsync reader does with the
 * frames a host sends (the compact frames of protocols 9 and later) — the decoder's checks, the patch check,
 * the apply, the catch-up log and one observer.
 */
import { checkParsedPatch } from '../../src/document/index.js';
import { sealable } from '../../src/mesh/entry-broadcast.js';
import { ReplicaCore } from '../../src/mesh/replica-core.js';
import { ObserverRegistry } from '../../src/observe/registry.js';
import { encodeEntries } from '../../src/protocol/compact.js';
import { parseMessage } from '../../src/protocol/messages.js';
import { BinaryFrame } from '../../src/transport/binary-frame.js';
import { encodeFrame, FrameDecoder } from '../../src/transport/framing.js';
import type { OrderedPatch } from '../../src/types.js';
import type { ReaderKind } from './micro-commands.js';

const PER_FRAME = 32;
const MAX_FRAME = 1 << 26;
const LIMITS = {};

/** `compact`: as a memsync host sends them; else JSON, as the relay sends its frames. */
function frames(entries: number, compact: boolean): Buffer[] {
  const out: Buffer[] = [];
  for (let first = 1; first <= entries; first += PER_FRAME) {
    const batch: OrderedPatch[] = [];
    for (let v = first; v < first + PER_FRAME && v <= entries; v++) {
      batch.push({ version: v, epoch: 1, patch: { peer: 'writer-4f1c2a9e', seq: v, ts: 1_763_900_000_000_000 + v, update: { $inc: { n: 1 } } } });
    }
    const message = compact ? encodeEntries(1, batch, false, MAX_FRAME) : { type: 'entries', epoch: 1, entries: batch };
    out.push(encodeFrame(message, MAX_FRAME));
  }
  return out;
}

function parseOnly(input: Buffer[]): number {
  const decoder = new FrameDecoder(MAX_FRAME);
  let entries = 0;
  for (const frame of input) {
    for (const message of decoder.push(frame).messages) entries += (message as { entries: unknown[] }).entries.length;
  }
  return entries;
}

function pipeline(input: Buffer[]): number {
  const decoder = new FrameDecoder(MAX_FRAME);
  const observers = new ObserverRegistry();
  let seen = 0;
  observers.observe('n', (value) => {
    if (typeof value === 'number') seen = value;
  });
  const core = new ReplicaCore(
    { peer: 'reader', defaults: {}, logSize: 10_000, now: Date.now, limits: {} },
    // As MemSync wires it (memsync.ts): a frame's entries in one batch (ReplicaCore.beginFrame).
    { viewChanged: (change, meta) => observers.notify(change, meta), frameWatch: () => observers, advanced: () => {}, ownRefused: () => {} },
  );
  for (const frame of input) {
    const { messages, texts } = decoder.push(frame);
    for (let i = 0; i < messages.length; i++) {
      const raw = messages[i];
      const message = parseMessage(raw);
      if (message.type !== 'entries') throw new Error('not entries');
      core.beginFrame();
      try {
        for (const entry of message.entries) {
          checkParsedPatch(entry.patch, LIMITS);
          core.applyOrdered(entry);
        }
      } finally {
        core.endFrame();
      }
      // As client-role.ts does: a compact frame is kept as its bytes.
      core.log.seal(message.entries[0]!.version, message.entries[message.entries.length - 1]!.version, raw instanceof BinaryFrame ? sealable(raw) : texts[i]!);
    }
  }
  return seen;
}

const RUN: Record<ReaderKind, { run: (input: Buffer[]) => number; compact: boolean }> = {
  parse: { run: parseOnly, compact: false },
  pipeline: { run: pipeline, compact: true },
};

/** Nanoseconds per entry for `kind`, after a warm-up pass over a tenth as many entries. */
export function measureReader(kind: ReaderKind, entries: number): number {
  const { run, compact } = RUN[kind];
  run(frames(Math.max(PER_FRAME, Math.floor(entries / 10)), compact));
  const input = frames(entries, compact);
  const began = process.hrtime.bigint();
  const counted = run(input);
  const ns = Number(process.hrtime.bigint() - began);
  if (counted !== entries) throw new Error(`${kind}: ${counted} of ${entries} entries`);
  return ns / entries;
}
