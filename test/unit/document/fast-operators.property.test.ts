import fc from 'fast-check';
import { $inc, $set, $unset } from 'mingo/operators/update';
import { describe, expect, it } from 'vitest';
import { fastInc, fastSet, fastUnset } from '../../../src/document/fast-operators.js';
import { UPDATE_OPTIONS } from '../../../src/document/mingo.js';
import type { JsonObject, JsonValue } from '../../../src/types.js';

/** Differential test: the direct $set/$inc/$unset give exactly what mingo gives, where they apply. */
const key = fc.constantFrom('a', 'b', 'c');
const leaf = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constant(null), fc.constantFrom('x', 'y'), fc.constant(true));
const doc: fc.Arbitrary<JsonObject> = fc.letrec<{ value: JsonValue; object: JsonObject }>((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, tie('object'), fc.array(leaf, { maxLength: 2 })),
  object: fc.dictionary(key, tie('value'), { maxKeys: 3 }),
})).object;
const path = fc.array(key, { minLength: 1, maxLength: 3 }).map((s) => s.join('.'));

const copy = <T>(v: T): T => structuredClone(v);

describe('fast operators agree with mingo', () => {
  it('$set, $inc and $unset on plain paths', () => {
    fc.assert(
      fc.property(
        doc,
        fc.constantFrom('$set', '$inc', '$unset'),
        fc.dictionary(path, fc.oneof(leaf, doc), { minKeys: 1, maxKeys: 2 }),
        (root, op, raw) => {
          const paths = Object.keys(raw);
          // mingo refuses overlapping paths in one operator, as our validator does.
          if (paths.some((p) => paths.some((q) => p !== q && (p.startsWith(`${q}.`) || q.startsWith(`${p}.`))))) return;
          const expr: Record<string, JsonValue> = {};
          for (const p of paths) expr[p] = op === '$inc' ? (typeof raw[p] === 'number' ? raw[p]! : 1) : op === '$unset' ? '' : raw[p]!;
          const fast = op === '$set' ? fastSet : op === '$inc' ? fastInc : fastUnset;
          const mine = copy(root);
          const changed = fast(copy(expr), mine);
          if (changed === undefined) return; // not a plain-path case: mingo runs it
          if (op === '$inc') {
            // The product refuses $inc on a non-number before running it (checkLeaf).
            for (const p of paths) {
              const found = p.split('.').reduce<JsonValue | undefined>((n, s) => (n && typeof n === 'object' && !Array.isArray(n) ? n[s] : undefined), root);
              if (found !== undefined && typeof found !== 'number') return;
            }
          }
          const theirs = copy(root);
          const run = op === '$set' ? $set : op === '$inc' ? $inc : $unset;
          const theirChanged = (run as (e: Record<string, JsonValue>, f: JsonObject[], o: typeof UPDATE_OPTIONS) => (r: JsonObject) => string[])(copy(expr), [], UPDATE_OPTIONS)(theirs);
          expect(mine).toEqual(theirs);
          expect(JSON.stringify(mine)).toBe(JSON.stringify(theirs));
          expect(changed).toEqual(theirChanged);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
