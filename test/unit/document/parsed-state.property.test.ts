import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFrozenNode } from '../../../src/document/freeze.js';
import { DEFAULT_DOCUMENT_LIMITS, type DocumentLimits } from '../../../src/document/limits.js';
import { checkParsedState, isParsedJson, markParsedJson } from '../../../src/document/parsed-state.js';
import { copyState } from '../../../src/document/snapshot.js';

/** JSON text of a document: ordinary keys, and now and then a reserved one, a long one, or deep nesting. */
const key = fc.oneof(
  { weight: 12, arbitrary: fc.string({ maxLength: 6 }) },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype') },
  { weight: 1, arbitrary: fc.string({ minLength: 20, maxLength: 24 }) },
);
const value = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ maxLength: 4 }), fc.boolean(), fc.constant(null)),
    fc.array(tie('v'), { maxLength: 5 }),
    // Wide objects too: more than 64 keys are remembered as frozen by freeze.ts.
    fc.array(fc.tuple(key, tie('v')), { maxLength: 5 }).map((pairs) => pairs),
    fc.integer({ min: 60, max: 80 }).map((n) => Array.from({ length: n }, (_, i) => [`w${i}`, i] as [string, unknown])),
  ),
}));
/** Objects as [key, value] pairs, written out as text so `__proto__` becomes an own key, as JSON.parse makes it. */
function text(v: unknown): string {
  if (!Array.isArray(v)) return JSON.stringify(v);
  if (v.every((item) => Array.isArray(item) && item.length === 2 && typeof item[0] === 'string') && v.length > 0) {
    return `{${(v as [string, unknown][]).map(([k, item]) => `${JSON.stringify(k)}:${text(item)}`).join(',')}}`;
  }
  return `[${v.map(text).join(',')}]`;
}
const documentText = fc.array(fc.tuple(key, value.v), { maxLength: 6 }).map((pairs) => text(pairs.length === 0 ? [['n', 0]] : pairs));

function verdict(run: () => unknown): string {
  try {
    run();
    return 'ok';
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    return `${code}: ${message}`;
  }
}

function unfrozen(node: unknown, path = ''): string | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  if (!Object.isFrozen(node) || !isFrozenNode(node)) return path || '/';
  for (const [k, child] of Object.entries(node)) {
    const found = unfrozen(child, `${path}/${k}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

describe('checkParsedState (the lean walk of a just parsed store snapshot)', () => {
  it('gives the verdict of the general in-place check, and freezes what it accepts', () => {
    fc.assert(
      fc.property(documentText, fc.integer({ min: 2, max: 8 }), fc.integer({ min: 3, max: 22 }), (json, maxDepth, maxKeyLength) => {
        const limits: DocumentLimits = { ...DEFAULT_DOCUMENT_LIMITS, maxDepth, maxKeyLength };
        const general = verdict(() => copyState(JSON.parse(json), limits, true));
        const parsed: unknown = JSON.parse(json);
        markParsedJson(parsed);
        const lean = verdict(() => checkParsedState(parsed, limits));
        expect(lean).toBe(general);
        if (lean === 'ok') {
          expect(unfrozen(parsed)).toBeUndefined();
          expect(JSON.stringify(parsed)).toBe(JSON.stringify(JSON.parse(json)));
        }
        // Checked once: the mark is gone, so a second call refuses instead of trusting it.
        expect(isParsedJson(parsed)).toBe(false);
      }),
      { numRuns: 400 },
    );
  });

  it('refuses what was not marked as just parsed', () => {
    expect(() => checkParsedState({ a: 1 }, DEFAULT_DOCUMENT_LIMITS)).toThrow(/just parsed/);
  });
});
