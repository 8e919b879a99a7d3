import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeEntries } from '../../../src/protocol/compact.js';
import { COMPACT_BATCH, bodyHolds, compactBatchPayload, compactBatchRecord, compactBatchRecords, entriesOfCompactBatch } from '../../../src/storage/compact-record.js';
import { HEAD_BYTES, scanWalRecords, encodeWalRecord } from '../../../src/storage/wal-record.js';
import type { OrderedPatch, Patch } from '../../../src/types.js';

/** Numbers with many zero bytes in their f64 form (small integers) and some without. */
const int = fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }));
const value = fc.oneof(fc.integer(), fc.string(), fc.boolean(), fc.constant(null));
const patch = fc
  .record({
    peer: fc.constantFrom('w', 'writer-2', 'x'.repeat(40)),
    seq: int,
    ts: fc.oneof(fc.constant(0), int),
    update: fc.oneof(
      fc.record({ $inc: fc.dictionary(fc.constantFrom('n', 'a.b', 'c'), fc.integer()) }),
      fc.record({ $set: fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }).filter((k) => !k.startsWith('$') && !k.includes('.')), value) }),
    ),
    cond: fc.option(fc.record({ n: fc.integer() }), { nil: undefined }),
  })
  .map(({ cond, ...p }): Patch => (cond ? { ...p, if: cond } : p) as Patch);
/** A run of consecutive versions of one epoch, as a host orders them. */
const run = fc.record({ first: fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 2 ** 52 })), epoch: fc.integer({ min: 0, max: 1000 }), patches: fc.array(patch, { minLength: 1, maxLength: 40 }) }).map(
  ({ first, epoch, patches }): OrderedPatch[] => patches.map((p, i) => ({ version: first + i, epoch, patch: p })),
);

describe('format 5 batch records (compact frame bytes)', () => {
  it('give back the entries of the frame they were made from, hold no zero byte, and read as one batch record', () => {
    fc.assert(
      fc.property(run, fc.boolean(), fc.integer({ min: 0, max: 1000 }), (entries, ack, epoch) => {
        const frame = encodeEntries(epoch, entries, ack, Number.MAX_SAFE_INTEGER);
        expect(bodyHolds(frame.body, entries)).toBe(true);
        const payload = compactBatchPayload(frame.body);
        expect(payload[0]).toBe(COMPACT_BATCH);
        // A power loss's unwritten pages are told from damage by their zeros (wal-record.ts).
        expect(payload.includes(0)).toBe(false);
        expect(entriesOfCompactBatch(payload)).toEqual(entries);
        // Built in place, it is the record encodeWalRecord makes of the payload.
        expect(compactBatchRecord(frame.body)).toEqual(encodeWalRecord(payload));
        const scan = scanWalRecords(compactBatchRecord(frame.body));
        expect(scan.payloads.map((p) => Buffer.from(p))).toEqual([payload]);
      }),
    );
  });

  it('encoded from the entries alone, one record per run of one epoch, the same entries back', () => {
    fc.assert(
      fc.property(fc.array(run, { minLength: 1, maxLength: 4 }), (runs) => {
        // Consecutive versions across runs; each run its own epoch.
        let version = 1;
        const entries = runs.flatMap((r, k) => r.map((e) => ({ ...e, version: version++, epoch: k })));
        const payloads = compactBatchRecords(entries, 7).map((r) => r.subarray(HEAD_BYTES));
        expect(payloads).toHaveLength(runs.length);
        expect(payloads.flatMap(entriesOfCompactBatch)).toEqual(entries);
      }),
    );
  });

  it('a frame of other entries is not taken as the record of these', () => {
    const entries: OrderedPatch[] = [1, 2, 3].map((v) => ({ version: v, epoch: 2, patch: { peer: 'w', seq: v, ts: v, update: { $inc: { n: 1 } } } }));
    const body = encodeEntries(2, entries, false, 1 << 20).body;
    expect(bodyHolds(body, entries.slice(1))).toBe(false);
    expect(bodyHolds(body, entries.map((e) => ({ ...e, epoch: 3 })))).toBe(false);
    expect(bodyHolds(body, entries.map((e) => ({ ...e, version: e.version + 1 })))).toBe(false);
  });

  it('refuses any payload that is not a whole well-formed one (a hostile record with a right checksum)', () => {
    const entries: OrderedPatch[] = [1, 2].map((v) => ({ version: v, epoch: 1, patch: { peer: 'w', seq: v, ts: v, update: { $inc: { n: 1 } } } }));
    const good = compactBatchPayload(encodeEntries(1, entries, false, 1 << 20).body);
    const jsonAt = good.indexOf(0x5b);
    const text = good.toString('latin1');
    const bad = [
      Buffer.from([COMPACT_BATCH]),
      good.subarray(0, jsonAt), // no JSON part
      good.subarray(0, jsonAt - 4).toString('latin1') + good.subarray(jsonAt).toString('latin1'), // numbers cut short
      text.slice(0, 5) + '!!!!' + text.slice(5), // not base64: skipped by a lenient decoder
      text.slice(0, jsonAt) + '[["w"],[{"$inc":{"n":1}}]]', // one body for two records
      text.slice(0, jsonAt) + '[["w"],[{"$inc":{"n":1}},7]]', // a body that is no update
      text.slice(0, jsonAt) + '[[],[{"$inc":{"n":1}},{"$inc":{"n":1}}]]', // a peer index not in the table
      text.slice(0, jsonAt) + '[["w"],[{"$inc":{"n":1}},{"$inc":{"n":1}}]', // not JSON
    ].map((b) => (typeof b === 'string' ? Buffer.from(b, 'latin1') : b));
    for (const payload of bad) expect(() => entriesOfCompactBatch(payload), payload.toString('latin1')).toThrow();
    expect(entriesOfCompactBatch(good)).toEqual(entries);
  });
});
