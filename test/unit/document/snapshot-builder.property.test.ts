import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveDocumentLimits, SnapshotStateBuilder } from '../../../src/document/index.js';
import { checkSnapshot, copyState } from '../../../src/document/snapshot.js';
import { MemSyncError } from '../../../src/errors.js';

/**
 * A state checked part by part as it arrives must get the verdict the whole state gets when
 * checked at once: the builder is what lets a joiner skip that second check.
 */

const limits = resolveDocumentLimits({ maxDepth: 6, maxKeyLength: 12 });

const key = fc.oneof(
  fc.string({ maxLength: 14 }),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'a.b', ''),
);
const value: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.string({ maxLength: 4 }), fc.double(), fc.boolean(), fc.constant(null)),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.array(fc.tuple(key, tie('value')), { maxLength: 3 }).map((pairs) => {
      // As JSON.parse makes them: own data properties, '__proto__' included.
      const object: Record<string, unknown> = {};
      for (const [k, v] of pairs) Object.defineProperty(object, k, { value: v, enumerable: true, writable: true, configurable: true });
      return object;
    }),
  ),
})).value;

function verdict(check: () => unknown): string {
  try {
    check();
    return 'accepted';
  } catch (error) {
    return error instanceof MemSyncError ? error.code : `unexpected ${String(error)}`;
  }
}

describe('SnapshotStateBuilder', () => {
  it('accepts exactly the states checkSnapshot accepts, and they are not checked twice', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(key, value), { maxLength: 6 }), (pairs) => {
        const whole: Record<string, unknown> = {};
        for (const [k, v] of pairs) Object.defineProperty(whole, k, { value: v, enumerable: true, writable: true, configurable: true });
        const expected = verdict(() => copyState(whole, limits, true));
        const builder = new SnapshotStateBuilder(limits);
        const built = verdict(() => {
          for (const k of Object.keys(whole)) builder.add(k, whole[k]);
        });
        // The builder reports through the protocol (a peer sent it), the whole-state check
        // through the document's own codes: both accept, or both refuse.
        expect(built === 'accepted').toBe(expected === 'accepted');
        if (built !== 'accepted') {
          expect(built).toBe('ERR_PROTOCOL');
          return;
        }
        const state = builder.build();
        const checked = checkSnapshot({ state, version: 1, epoch: 1, stamps: [], seqs: [] }, limits);
        expect(checked.state).toBe(state);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a reserved key and a value nested too deep, naming the state', () => {
    const builder = new SnapshotStateBuilder(limits);
    expect(() => builder.add('constructor', 1)).toThrow(/snapshot state: .*reserved/);
    expect(() => builder.add('deep', { a: { b: { c: { d: { e: { f: 1 } } } } } })).toThrow(/maxDepth/);
  });
});
