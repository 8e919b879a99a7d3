import { describe, expect, it } from 'vitest';
import { EntryBroadcast } from '../../../src/mesh/entry-broadcast.js';
import { encodeEntries } from '../../../src/protocol/compact.js';
import type { OrderedPatch } from '../../../src/types.js';

function entry(version: number): OrderedPatch {
  return { version, epoch: 1, patch: { peer: 'w', seq: version, ts: version, update: { $inc: { n: 1 } } } };
}

/** A broadcast that records the versions of each batch it delivers. */
function recorded(): { broadcast: EntryBroadcast; batches: number[][] } {
  const batches: number[][] = [];
  const broadcast = new EntryBroadcast((entries) => batches.push(entries.map((e) => e.version)));
  return { broadcast, batches };
}

describe('EntryBroadcast', () => {
  it('keeps a burst of a hundred entries (a read of several submits) in one batch', async () => {
    const { broadcast, batches } = recorded();
    for (let v = 1; v <= 100; v++) broadcast.add(entry(v));
    await Promise.resolve();
    expect(batches).toHaveLength(1);
    expect(batches[0]).toHaveLength(100);
  });

  it('sends a burst larger than a frame should wait for in parts as it is ordered', () => {
    const { broadcast, batches } = recorded();
    for (let v = 1; v <= 2048; v++) broadcast.add(entry(v));
    expect(batches.map((b) => b.length)).toEqual([1024, 1024]);
  });

  it('a flush (settle) sends at once what waits, and the scheduled one then sends nothing twice', async () => {
    const { broadcast, batches } = recorded();
    broadcast.add(entry(1));
    broadcast.flush();
    expect(batches).toEqual([[1]]);
    await Promise.resolve();
    expect(batches).toEqual([[1]]);
  });
});

/** The end of the current turn of the event loop (its check phase). */
const endOfTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('EntryBroadcast, once per turn after its first batch', () => {
  it('sends the turn\'s first batch at its microtask and what is ordered later in the turn at its end', async () => {
    const { broadcast, batches } = recorded();
    broadcast.add(entry(1));
    await Promise.resolve();
    expect(batches).toEqual([[1]]);
    // An own write after an await, a read later in the same poll phase: they wait.
    broadcast.add(entry(2));
    await Promise.resolve();
    broadcast.add(entry(3));
    broadcast.readDone();
    await Promise.resolve();
    expect(batches).toEqual([[1]]);
    await endOfTurn();
    expect(batches).toEqual([[1], [2, 3]]);
    // The next turn starts again: its first batch leaves at once.
    broadcast.add(entry(4));
    await Promise.resolve();
    expect(batches).toEqual([[1], [2, 3], [4]]);
    await endOfTurn();
  });

  it('a read ends: its entries leave at once when they are the turn\'s first, and a read that ordered nothing opens no turn', async () => {
    const { broadcast, batches } = recorded();
    broadcast.readDone();
    broadcast.add(entry(1));
    broadcast.readDone();
    expect(batches).toEqual([[1]]);
    broadcast.add(entry(2));
    broadcast.readDone();
    expect(batches).toEqual([[1]]);
    await endOfTurn();
    expect(batches).toEqual([[1], [2]]);
  });

  it('a flush sends at once even within an open turn (the host is about to read its own state)', async () => {
    const { broadcast, batches } = recorded();
    broadcast.add(entry(1));
    broadcast.readDone();
    broadcast.add(entry(2));
    broadcast.flush();
    expect(batches).toEqual([[1], [2]]);
    await endOfTurn();
    expect(batches).toEqual([[1], [2]]);
  });

  it('delivers every entry once, in order, whatever the turns, reads and flushes between them', async () => {
    const { broadcast, batches } = recorded();
    for (let v = 1; v <= 3000; v++) {
      broadcast.add(entry(v));
      if (v % 5 === 0) await Promise.resolve();
      if (v % 7 === 0) broadcast.readDone();
      if (v % 101 === 0) broadcast.flush();
      if (v % 53 === 0) await endOfTurn();
    }
    await endOfTurn();
    expect(batches.flat()).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
    expect(batches.every((b) => b.length <= 1024)).toBe(true);
    // Far fewer batches than microtask checkpoints: the point of it.
    expect(batches.length).toBeLessThan(3000 / 5 / 2);
  });
});

describe('encodeEntries', () => {
  it('calls a batch longer than the longest string too large for a frame, so that it is split', () => {
    const tooLong = { toJSON: () => { throw new RangeError('Invalid string length'); } };
    const batch = [{ ...entry(1), patch: { ...entry(1).patch, update: { $set: { big: tooLong } } } }] as unknown as OrderedPatch[];
    expect(() => encodeEntries(1, batch, false, 1 << 20)).toThrow(expect.objectContaining({ code: 'ERR_LIMIT_EXCEEDED' }));
  });
});
