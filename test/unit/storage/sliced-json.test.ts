import fc from 'fast-check';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeRecord, encodeRecordInSlices } from '../../../src/storage/record-codec.js';
import { encodeJsonInSlices } from '../../../src/storage/sliced-json.js';

const wide = (n: number): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) out[`k${i}`] = { name: `é ${i} "q"`, n: i / 7, tags: [i, null, true], deep: { a: [[i]] } };
  return out;
};

describe('encodeJsonInSlices', () => {
  it('gives the text JSON.stringify gives, for any JSON value (and skips undefined members like it)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 6 }), fc.integer({ min: 0, max: 3 }), async (value, slice) => {
        const { pieces, bytes, crc } = await encodeJsonInSlices(value, slice);
        const expected = Buffer.from(JSON.stringify(value), 'utf8');
        const got = Buffer.concat(pieces);
        expect(got.toString('utf8')).toBe(expected.toString('utf8'));
        expect(bytes).toBe(expected.length);
        expect(crc).toBe(crc32(expected));
      }),
      { numRuns: 300 },
    );
    const holes = { a: undefined, b: [undefined, 1], c: { d: undefined }, e: 2 };
    const big = { ...wide(100), holes, [`x${'y'.repeat(10)}`]: undefined };
    expect(Buffer.concat((await encodeJsonInSlices(big)).pieces).toString()).toBe(JSON.stringify(big));
  });

  it('yields to the event loop on a large value, and the record equals the one-go record', async () => {
    const value = { state: wide(20_000), version: 3 };
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    try {
      const sliced = await encodeRecordInSlices(value, 1);
      expect(sliced.equals(encodeRecord(value))).toBe(true);
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(1);
  });
});
