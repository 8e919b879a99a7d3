import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readSimpleEntries } from '../../../src/protocol/entry-bodies.js';

/**
 * readSimpleEntries (a compact frame's JSON part read without JSON.parse) against JSON.parse:
 * on any text it either declines (undefined) or gives exactly JSON.parse's value: the same
 * JSON, own keys and Object.prototype throughout. Texts of its form, of near forms, and the
 * same texts with a character changed, cut or added (malformed ones included).
 */

const key = fc.oneof(
  fc.constantFrom('n', '$inc', '$set', '__proto__', 'constructor', 'a.b', '', 'é', 'a"b', 'a\\b', '\u0001'),
  fc.string({ maxLength: 6 }),
  fc.integer({ min: 0, max: 3000 }).map((i) => `k${i}`),
);
const scalar = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(-0, 1e21, 1e-7, true, false, null, 'x', ''),
  fc.string({ maxLength: 4 }),
);
const value = fc.oneof({ weight: 5, arbitrary: scalar }, { weight: 1, arbitrary: fc.constantFrom({}, [], { x: 1 }, [1]) });
const body = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(key, key, value).map(([op, path, v]) => ({ [op]: { [path]: v } })) },
  { weight: 1, arbitrary: fc.constantFrom({}, [], 1, [{ $inc: { n: 1 } }, { msg: 'x' }], { $inc: { a: 1, b: 2 } }) },
);
const part = fc.tuple(fc.array(key, { maxLength: 3 }), fc.array(body, { maxLength: 4 }));

/** What JSON.parse gives, with every prototype named: a value readSimpleEntries must match. */
function described(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return Object.is(value, -0) ? '-0' : value;
  const proto = Object.getPrototypeOf(value) === Object.prototype ? 'object' : Array.isArray(value) ? 'array' : 'other';
  return { proto, entries: Reflect.ownKeys(value).map((k) => [String(k), described((value as Record<string, unknown>)[k as string])]) };
}

function mutated(text: string, at: number, how: number, char: string): string {
  const i = at % (text.length + 1);
  if (how === 0) return text.slice(0, i) + text.slice(i + 1);
  if (how === 1) return text.slice(0, i) + char + text.slice(i);
  if (how === 2) return text.slice(0, i) + char + text.slice(i + 1);
  return text.slice(0, i);
}

function agrees(text: string): void {
  const read = readSimpleEntries(text);
  if (read === undefined) return;
  expect(described(read)).toEqual(described(JSON.parse(text)));
}

describe('readSimpleEntries', () => {
  it('gives JSON.parse value or declines', () => {
    fc.assert(
      fc.property(part, (p) => agrees(JSON.stringify(p))),
      { numRuns: 3000 },
    );
  });

  it('declines what is not JSON, and agrees on what still is', () => {
    const char = fc.constantFrom(' ', ',', ']', '}', '"', '\\', '0', '-', '.', 'e', '{', '[', ':', 'x');
    fc.assert(
      fc.property(part, fc.nat(), fc.integer({ min: 0, max: 3 }), char, (p, at, how, c) => {
        const text = mutated(JSON.stringify(p), at, how, c);
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        if (!valid) expect(readSimpleEntries(text)).toBeUndefined();
        else agrees(text);
      }),
      { numRuns: 5000 },
    );
  });

  it('reads numbers by JSON grammar exactly', () => {
    const numbers = ['0', '-0', '1', '10', '01', '-01', '00', '1.', '.5', '1.5', '-', '+1', '1e5', '1E+5', '1e-5', '1e', '1e+', '0x10', '1_0', 'Infinity', 'NaN', '1e400', '-1e-400', '9007199254740993', '1.0e0', 'tru', 'nul', 'true', 'null', 'falsey'];
    fc.assert(
      fc.property(fc.constantFrom(...numbers), fc.array(fc.constantFrom(...numbers), { maxLength: 3 }), (n, more) => {
        for (const x of [n, ...more]) {
          const text = `[["w"],[{"$inc":{"n":${x}}}]]`;
          let valid = true;
          try {
            JSON.parse(text);
          } catch {
            valid = false;
          }
          if (valid) expect(described(readSimpleEntries(text))).toEqual(described(JSON.parse(text)));
          else expect(readSimpleEntries(text)).toBeUndefined();
        }
      }),
    );
  });

  it('reads the common form, past the shared-shape paths too', () => {
    const bodies = Array.from({ length: 3000 }, (_, i) => ({ $inc: { [`w${i}`]: i } }));
    const text = JSON.stringify([['writer'], bodies]);
    const read = readSimpleEntries(text);
    expect(read).toBeDefined();
    expect(described(read)).toEqual(described(JSON.parse(text)));
  });
});
