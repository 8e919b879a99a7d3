import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HEAD_BYTES, WalDamage, encodeWalRecord, scanWalRecords } from '../../../src/storage/wal-record.js';

const payloads = fc.array(fc.uint8Array({ minLength: 0, maxLength: 64 }), { minLength: 0, maxLength: 12 });
const fileOf = (records: Uint8Array[]): Buffer => Buffer.concat(records.map((r) => encodeWalRecord(Buffer.from(r))));
const asArrays = (buffers: Buffer[]): number[][] => buffers.map((b) => [...b]);

describe('log record format', () => {
  it('any sequence of records round-trips', () => {
    fc.assert(
      fc.property(payloads, (records) => {
        const file = fileOf(records);
        const scan = scanWalRecords(file);
        expect(asArrays(scan.payloads)).toEqual(records.map((r) => [...r]));
        expect(scan.end).toBe(file.length);
        expect(scan.torn).toBeUndefined();
      }),
    );
  });

  it('any truncation point, with or without zeros after it, recovers exactly the records wholly before it', () => {
    fc.assert(
      fc.property(payloads, fc.nat(), fc.nat({ max: 80 }), (records, cut, zeros) => {
        const file = fileOf(records);
        const at = file.length === 0 ? 0 : cut % (file.length + 1);
        // Zeros after the cut: a file system that grew the file before the data got there.
        const scan = scanWalRecords(Buffer.concat([file.subarray(0, at), Buffer.alloc(zeros)]));
        // The whole records that end at or before the cut.
        let end = 0;
        let whole = 0;
        while (whole < records.length && end + HEAD_BYTES + records[whole]!.length <= at) end += HEAD_BYTES + records[whole++]!.length;
        // The zeros may complete a cut record whose missing bytes were zeros anyway.
        const read = scan.payloads.length === whole + 1 && zeros > 0 ? whole + 1 : whole;
        expect(asArrays(scan.payloads)).toEqual(records.slice(0, read).map((r) => [...r]));
        if (read === whole) expect(scan.end).toBe(end);
        if (read === whole) expect(scan.torn !== undefined).toBe(at + zeros > end);
      }),
    );
  });

  it('zeros after the last whole record (a file grown before its data reached the disk) are a torn tail', () => {
    fc.assert(
      fc.property(payloads, fc.integer({ min: 1, max: 100 }), (records, zeros) => {
        const file = fileOf(records);
        const scan = scanWalRecords(Buffer.concat([file, Buffer.alloc(zeros)]));
        expect(scan.payloads).toHaveLength(records.length);
        expect(scan.end).toBe(file.length);
        expect(scan.torn).toBeDefined();
      }),
    );
  });

  it('a flipped byte in any record but the last, or in the last one\'s length or its checksum, is refused, never read as a shorter log', () => {
    fc.assert(
      fc.property(
        // Payloads are JSON text, never all zeros: a damaged head followed only by zeros is a
        // head cut short by a file grown with zeros (cut, and nothing after it is lost).
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 64 }).filter((p) => p.some((b) => b !== 0)), { minLength: 1, maxLength: 10 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (records, pick, mask) => {
          const file = fileOf(records);
          const lastStart = file.length - HEAD_BYTES - records[records.length - 1]!.length;
          const at = pick % (lastStart + 8);
          const damaged = Buffer.from(file);
          damaged[at] = damaged[at]! ^ mask;
          expect(() => scanWalRecords(damaged)).toThrow(WalDamage);
        },
      ),
    );
  });

  it('a flipped byte in the last record\'s payload or payload checksum cuts it as a torn tail, keeping every record before it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 64 }), { minLength: 1, maxLength: 10 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (records, pick, mask) => {
          const file = fileOf(records);
          const lastStart = file.length - HEAD_BYTES - records[records.length - 1]!.length;
          const at = lastStart + 8 + (pick % (file.length - lastStart - 8));
          const damaged = Buffer.from(file);
          damaged[at] = damaged[at]! ^ mask;
          const scan = scanWalRecords(damaged);
          expect(asArrays(scan.payloads)).toEqual(records.slice(0, -1).map((r) => [...r]));
          expect(scan.end).toBe(lastStart);
          expect(scan.torn).toBeDefined();
        },
      ),
    );
  });
});
