import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { segmentEncoder } from '../../../src/mesh/entry-broadcast.js';
import { DEFAULT_LOG_BYTES, EntryLog } from '../../../src/mesh/entry-log.js';
import { encodeEntries } from '../../../src/protocol/compact.js';
import type { OrderedPatch } from '../../../src/types.js';

/**
 * The catch-up log's byte bound: patches of 1 MiB rewriting one key made every replica hold
 * `logSize` (10,000) of them, ~12-15 GB. Held bytes stay within the bound (or one segment,
 * when a single one is larger), and what is held still answers catch-up exactly.
 */
function entry(version: number, valueBytes: number): OrderedPatch {
  return {
    version,
    epoch: 1,
    patch: { peer: 'p', seq: version, ts: version, update: { $set: { big: String(version).padStart(valueBytes, 'x') } } },
  };
}

describe('EntryLog byte bound', () => {
  it('1,000 patches of 64 KiB sealed one frame each: holds at most the bound, not 1,000 of them', () => {
    const maxBytes = 1 << 20;
    const log = new EntryLog(10_000, maxBytes);
    for (let version = 1; version <= 1000; version++) {
      const e = entry(version, 64 * 1024);
      log.append(e);
      log.seal(version, version, JSON.stringify({ type: 'entries', epoch: 1, entries: [e] }));
      expect(log.bytes).toBeLessThanOrEqual(maxBytes);
    }
    expect(log.size).toBeLessThan(17);
    expect(log.size).toBeGreaterThanOrEqual(15);
    expect(log.after(0, 1000)).toBeUndefined();
    expect(log.after(990, 1000)!.map((e) => e.version)).toEqual([991, 992, 993, 994, 995, 996, 997, 998, 999, 1000]);
  });

  it('counts unsealed entries (a host alone) by their JSON once their segment closes', () => {
    const log = new EntryLog(10_000, 200_000);
    for (let version = 1; version <= 2000; version++) log.append(entry(version, 1000));
    // Segments of 256 entries of ~1.1 KB: the oldest go once the closed ones pass 200 KB.
    expect(log.bytes).toBeLessThanOrEqual(200_000);
    expect(log.size).toBeLessThan(2000);
    expect(log.after(log.firstVersion! - 1, 2000)).toHaveLength(log.size);
  });

  it('makes a segment nobody sealed (a host alone) into a frame as it closes: counted at its length, read back the same', () => {
    const maxFrameBytes = 1 << 20;
    const log = new EntryLog(10_000, DEFAULT_LOG_BYTES, segmentEncoder(maxFrameBytes));
    const all = Array.from({ length: 600 }, (_, i) => entry(i + 1, 20));
    for (const e of all) log.append(e);
    // Two closed segments of 256 (the third, open, is not counted yet).
    const frames = [all.slice(0, 256), all.slice(256, 512)].map((part) => encodeEntries(1, part, false, maxFrameBytes).body.length);
    expect(log.bytes).toBe(frames[0]! + frames[1]!);
    expect(log.bytes).toBeLessThan(JSON.stringify(all.slice(0, 512)).length);
    expect(log.after(0, 600)).toEqual(all);
    expect(log.after(300, 600)).toEqual(all.slice(300));
  });

  it('held for a seal, takes a batch past the segment size whole: the frame sent replaces it, nothing else is measured', () => {
    let encoded = 0;
    const encoder = segmentEncoder(1 << 20);
    const log = new EntryLog(10_000, DEFAULT_LOG_BYTES, (entries, epoch) => {
      encoded += entries.length;
      return encoder(entries, epoch);
    });
    const batch = Array.from({ length: 700 }, (_, i) => entry(i + 1, 20));
    log.holdForSeal();
    for (const e of batch) log.append(e);
    const text = JSON.stringify({ type: 'entries', epoch: 1, entries: batch });
    log.seal(1, 700, text);
    log.releaseHold();
    expect(encoded).toBe(0);
    expect(log.bytes).toBe(text.length);
    expect(log.after(0, 700)).toEqual(batch);
    // Not held: the same batch closes a segment every 256 entries, and those cannot be sealed.
    const unheld = new EntryLog(10_000, DEFAULT_LOG_BYTES, encoder);
    for (const e of batch) unheld.append(e);
    unheld.seal(1, 700, text);
    expect(unheld.bytes).not.toBe(text.length);
    expect(unheld.after(0, 700)).toEqual(batch);
    // After the release, a full tail closes again at the next append.
    for (let v = 701; v <= 1000; v++) log.append(entry(v, 20));
    expect(encoded).toBe(256);
  });

  it('keeps a segment too large for one frame as entries, measured by their JSON', () => {
    const log = new EntryLog(10_000, DEFAULT_LOG_BYTES, segmentEncoder(64 * 1024));
    const all = Array.from({ length: 300 }, (_, i) => entry(i + 1, 1000));
    for (const e of all) log.append(e);
    expect(log.bytes).toBe(JSON.stringify(all.slice(0, 256)).length);
    expect(log.after(0, 300)).toEqual(all);
  });

  it('within any byte bound, answers catch-up like the list of everything appended', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1_000, max: 50_000 }),
        fc.array(fc.record({ count: fc.integer({ min: 1, max: 30 }), bytes: fc.integer({ min: 0, max: 3000 }), seal: fc.boolean() }), { maxLength: 30 }),
        fc.boolean(),
        (maxBytes, frames, encoded) => {
          const log = new EntryLog(10_000, maxBytes, encoded ? segmentEncoder(1 << 20) : undefined);
          const all: OrderedPatch[] = [];
          let version = 0;
          for (const f of frames) {
            const frame = Array.from({ length: f.count }, () => entry(++version, f.bytes));
            for (const e of frame) {
              log.append(e);
              all.push(e);
            }
            if (f.seal) log.seal(frame[0]!.version, frame[frame.length - 1]!.version, JSON.stringify({ type: 'entries', epoch: 1, entries: frame }));
          }
          if (all.length === 0) return;
          const last = all.length;
          expect(log.lastVersion).toBe(last);
          // The bound, or a single segment alone (plus the open one, not yet counted).
          if (log.bytes > maxBytes) expect(log.firstVersion).toBeGreaterThan(last - 256 - 30);
          const first = log.firstVersion!;
          expect(log.after(first - 1, last)).toEqual(all.slice(first - 1));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('defaults to 64 MiB', () => {
    expect(DEFAULT_LOG_BYTES).toBe(64 * 1024 * 1024);
  });
});
