/** The decoder's limits for unauthenticated peers, and the budget they share. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder, nestingExceeds } from '../../../src/transport/framing.js';
import { UnauthenticatedBudget } from '../../../src/transport/unauthenticated-budget.js';

/** How deep JSON.parse's result nests: the reference the byte scan must agree with. */
function depthOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + Math.max(0, ...children.map(depthOf));
}

describe('nestingExceeds', () => {
  it('agrees with the depth of what JSON.parse builds, brackets inside strings included', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 10 }), (value, limit) => {
        const bytes = Buffer.from(JSON.stringify(value));
        expect(nestingExceeds(bytes, limit)).toBe(depthOf(value) > limit);
      }),
    );
    expect(nestingExceeds(Buffer.from('["[[[[\\"[[["]'), 1)).toBe(false);
  });

  it('refuses 4 KiB of [ without parsing it', () => {
    expect(nestingExceeds(Buffer.from('['.repeat(4096)), 64)).toBe(true);
  });
});

describe('FrameDecoder.setLimits', () => {
  it('applies the smaller frame and the nesting scan until lifted, and a sink sees each frame at once', () => {
    const decoder = new FrameDecoder(1 << 20);
    decoder.setLimits(64, 2, '64 bytes before hello');
    const deep = encodeFrame([[[1]]], 1 << 20);
    expect(decoder.push(deep).error?.message).toMatch(/nests deeper than 2 before hello/);

    const lifting = new FrameDecoder(1 << 20);
    lifting.setLimits(64, 2, '64 bytes before hello');
    const big = { pad: 'x'.repeat(1000) };
    const seen: unknown[] = [];
    // The first message lifts the limits; the big one right behind it in the same chunk passes.
    const result = lifting.push(Buffer.concat([encodeFrame({ hello: 1 }, 1 << 20), encodeFrame(big, 1 << 20)]), (m) => {
      seen.push(m);
      lifting.setLimits(1 << 20, undefined);
    });
    expect(result).toEqual({ messages: [], texts: [] });
    expect(seen).toEqual([{ hello: 1 }, big]);

    const strict = new FrameDecoder(1 << 20);
    strict.setLimits(64, 2, '64 bytes before hello');
    expect(strict.push(encodeFrame(big, 1 << 20)).error?.message).toMatch(/exceeds 64 bytes before hello/);
  });
});

describe('UnauthenticatedBudget', () => {
  it('refuses the growth that would pass the bound, and gives back what is released', () => {
    const budget = new UnauthenticatedBudget(100);
    expect(budget.resize(0, 60)).toBe(true);
    expect(budget.resize(0, 50)).toBe(false);
    expect(budget.used).toBe(60);
    expect(budget.resize(60, 10)).toBe(true);
    expect(budget.resize(0, 90)).toBe(true);
    budget.release(90);
    budget.release(10);
    expect(budget.used).toBe(0);
  });
});
