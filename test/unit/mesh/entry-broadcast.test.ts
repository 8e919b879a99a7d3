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

describe('encodeEntries', () => {
  it('calls a batch longer than the longest string too large for a frame, so that it is split', () => {
    const tooLong = { toJSON: () => { throw new RangeError('Invalid string length'); } };
    const batch = [{ ...entry(1), patch: { ...entry(1).patch, update: { $set: { big: tooLong } } } }] as unknown as OrderedPatch[];
    expect(() => encodeEntries(1, batch, false, 1 << 20)).toThrow(expect.objectContaining({ code: 'ERR_LIMIT_EXCEEDED' }));
  });
});
