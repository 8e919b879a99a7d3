/**
 * The client's receive path in one step per frame: EntryLog.appendFrame answers as appending
 * each entry and sealing the frame did, FrameArena copies kept frames out of the chunk they
 * view without one allocation per frame, and the compact decoder still names the place of
 * every malformed record (its error strings are built only on failure now).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EntryLog } from '../../../src/mesh/entry-log.js';
import { FrameArena } from '../../../src/mesh/frame-arena.js';
import { encodeEntries, encodeSubmit } from '../../../src/protocol/compact.js';
import { parseMessage } from '../../../src/protocol/messages.js';
import { BinaryFrame } from '../../../src/transport/binary-frame.js';
import type { OrderedPatch } from '../../../src/types.js';

function entry(version: number, epoch: number): OrderedPatch {
  return { version, epoch, patch: { peer: 'p', seq: version, ts: version, update: { $inc: { n: version } } } };
}

describe('EntryLog.appendFrame', () => {
  it('answers like the list of every entry it took, within its bounds, whatever the frames, epochs, skips and gaps', () => {
    // (Held entries a frame repeats are skipped by the receiver: `skip` of them are not taken.)
    const frame = fc.record({ count: fc.integer({ min: 1, max: 40 }), epochs: fc.boolean(), skip: fc.integer({ min: 0, max: 3 }), text: fc.boolean(), plain: fc.integer({ min: 0, max: 4 }), gap: fc.integer({ min: 0, max: 3 }) });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.array(frame, { maxLength: 30 }), (capacity, frames) => {
        const log = new EntryLog(capacity);
        let all: OrderedPatch[] = [];
        let version = 0;
        for (const f of frames) {
          if (f.gap > 2) {
            version += 3;
            all = [];
          }
          // Now and then entries appended one by one (a host's, or ones buffered during a snapshot).
          for (let i = 0; i < f.plain; i++) {
            const e = entry(++version, 1);
            log.append(e);
            all.push(e);
          }
          const entries: OrderedPatch[] = [];
          const skip = Math.min(f.skip, f.count - 1);
          version -= Math.min(skip, all.length);
          const repeated = version;
          for (let i = 0; i < f.count; i++) entries.push(entry(++version, f.epochs && i % 2 === 1 ? 2 : 1));
          const from = entries.findIndex((e) => e.version > (all.length > 0 ? all[all.length - 1]!.version : repeated));
          const text = f.text ? JSON.stringify({ type: 'entries', epoch: 1, entries }) : undefined;
          log.appendFrame(entries, from, entries.length - from, text);
          all.push(...entries.slice(from));
        }
        if (all.length === 0) return;
        const first = log.firstVersion!;
        const last = all[all.length - 1]!.version;
        expect(log.lastVersion).toBe(last);
        expect(last - first + 1).toBe(log.size);
        expect(log.size).toBeGreaterThanOrEqual(Math.min(capacity, all.length));
        expect(log.size).toBeLessThanOrEqual(capacity + 256);
        for (const e of all) {
          if (e.version < first) continue;
          expect(log.epochAt(e.version)).toBe(e.epoch);
          expect(log.after(e.version - 1, last)).toEqual(all.filter((x) => x.version >= e.version));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a frame of one epoch as its text, counted in bytes, without building its entries', () => {
    const log = new EntryLog(100);
    const entries = [entry(1, 1), entry(2, 1), entry(3, 1)];
    const text = JSON.stringify({ type: 'entries', epoch: 1, entries });
    log.appendFrame(entries, 0, 3, text);
    expect(log.bytes).toBe(text.length);
    expect(log.after(0, 3)).toEqual(entries);
  });
});

describe('FrameArena', () => {
  it('copies a view out of its chunk into a shared slab, a large one into its own memory, a whole buffer not at all', () => {
    const arena = new FrameArena();
    const chunk = Buffer.alloc(70_000, 7);
    const a = arena.keep(chunk.subarray(10, 110));
    const b = arena.keep(chunk.subarray(200, 260));
    expect(a.buffer).not.toBe(chunk.buffer);
    expect(b.buffer).toBe(a.buffer);
    expect([...a]).toEqual([...chunk.subarray(10, 110)]);
    chunk.fill(1);
    expect(a[0]).toBe(7);
    const large = arena.keep(chunk.subarray(0, 20_000));
    expect(large.buffer.byteLength).toBe(20_000);
    const whole = Buffer.allocUnsafeSlow(32);
    expect(arena.keep(whole)).toBe(whole);
  });

  it('starts a new slab when one is full, leaving what it copied before intact', () => {
    const arena = new FrameArena();
    const kept: Buffer[] = [];
    for (let i = 0; i < 100; i++) kept.push(arena.keep(Buffer.alloc(8_000, i % 256).subarray(1, 7_001)));
    kept.forEach((body, i) => expect(body.every((byte) => byte === i % 256)).toBe(true));
    expect(new Set(kept.map((body) => body.buffer)).size).toBeGreaterThan(1);
  });
});

describe('compact decoder: where a malformed record is', () => {
  const entries: OrderedPatch[] = [1, 2].map((i) => ({ version: i, epoch: 1, patch: { peer: 'a', seq: i, ts: i, update: { $inc: { n: 1 } } } }));
  const body = (): Buffer => Buffer.from(encodeEntries(1, entries, false, 1 << 20).body);
  const refusal = (b: Buffer): string => {
    try {
      parseMessage(new BinaryFrame(b));
    } catch (error) {
      return (error as Error).message;
    }
    return 'accepted';
  };

  it('names the record whose seq, ts or peer index is wrong', () => {
    const seq = body();
    seq.writeDoubleLE(0.5, 30 + 20 + 4);
    expect(refusal(seq)).toBe(`invalid 'entries' message at /entries/1/patch/seq: expected an integer from 1 to ${Number.MAX_SAFE_INTEGER}, got 0.5`);
    const ts = body();
    ts.writeDoubleLE(-1, 30 + 12);
    expect(refusal(ts)).toBe(`invalid 'entries' message at /entries/0/patch/ts: expected an integer from 0 to ${Number.MAX_SAFE_INTEGER}, got -1`);
    const peer = body();
    peer.writeUInt32LE(3, 30 + 20);
    expect(refusal(peer)).toBe(`invalid 'entries' message at /entries/1/peer: peer index 3 is not in the table`);
  });

  it('names the body that is not an update, and the submit record whose seq is wrong', () => {
    const bad = Buffer.from(body().toString('latin1').replace('[["$inc","n",1],0]', '[["$inc","n",1],[1,{"if":{}}]]'), 'latin1');
    expect(refusal(bad)).toBe(`invalid 'entries' message at /json/1/1: expected an update object, [update, extras], [operator, path, value] or a repeat (0)`);
    const submit = Buffer.from(encodeSubmit(1, [{ peer: 'a', seq: 1, ts: 0, update: {} }], 1 << 20)!.body);
    submit.writeDoubleLE(Number.NaN, 14);
    expect(refusal(submit)).toBe(`invalid 'submit' message at /patches/0/seq: expected an integer from 1 to ${Number.MAX_SAFE_INTEGER}, got NaN`);
  });
});
