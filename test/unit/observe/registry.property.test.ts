import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ObserverRegistry } from '../../../src/observe/registry.js';
import type { JsonObject, JsonValue } from '../../../src/types.js';
import { allPaths, applyEdit, type Edit } from './cow-transition.js';

// Few distinct keys so that edits, patterns and documents collide often; '*' is a real key too.
const key = fc.constantFrom('a', 'b', 'c', '0', '1', '*');
const primitive = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 2 }),
);

const { document: anyDocument } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, primitive, tie('array'), tie('document')),
  array: fc.array(tie('value'), { maxLength: 3 }),
  document: fc.dictionary(key, tie('value'), { maxKeys: 4, noNullPrototype: true }),
}));
const document = anyDocument as fc.Arbitrary<JsonObject>;

/** An edit described relative to whatever document it meets, so it always means something. */
const editSpec = fc.record({
  kind: fc.constantFrom('set', 'unset', 'set-equal-copy'),
  pick: fc.nat(),
  extra: fc.array(key, { maxLength: 2 }),
  value: primitive as fc.Arbitrary<JsonValue>,
  coarsen: fc.nat(),
});

const patternSpec = fc.record({ pick: fc.nat(), wild: fc.array(fc.boolean(), { maxLength: 5 }) });

function split(path: string): string[] {
  return path === '' ? [] : path.split('.');
}

/** Independent of the code under test on purpose. */
function valueAt(root: JsonValue | undefined, path: string): JsonValue | undefined {
  let node = root;
  for (const segment of split(path)) {
    if (Array.isArray(node))
      node = /^(0|[1-9]\d*)$/.test(segment) ? node[Number(segment)] : undefined;
    else if (node !== null && typeof node === 'object' && Object.hasOwn(node, segment))
      node = node[segment];
    else return undefined;
  }
  return node;
}

function matches(pattern: string, path: string): boolean {
  const p = split(pattern);
  const s = split(path);
  return p.length === s.length && p.every((segment, i) => segment === '*' || segment === s[i]);
}

function pick<T>(items: readonly T[], n: number): T {
  return items[n % items.length]!;
}

describe('ObserverRegistry property', () => {
  it('fires iff the value at a concrete matching path differs, exactly once per path', () => {
    fc.assert(
      fc.property(
        document,
        fc.array(editSpec, { minLength: 1, maxLength: 4 }),
        fc.array(patternSpec, { minLength: 1, maxLength: 5 }),
        (before, editSpecs, patternSpecs) => {
          let after: JsonObject = before;
          const changedPaths: string[] = [];
          for (const spec of editSpecs) {
            const segments = [...split(pick(allPaths(after), spec.pick)), ...spec.extra];
            if (segments.length === 0) continue;
            const path = segments.join('.');
            const edit: Edit =
              spec.kind === 'unset'
                ? { kind: 'unset', segments }
                : {
                    kind: 'set',
                    segments,
                    value:
                      spec.kind === 'set-equal-copy'
                        ? (structuredClone(valueAt(after, path)) ?? spec.value)
                        : spec.value,
                  };
            const next = applyEdit(after, edit);
            if (next === undefined) continue;
            after = next as JsonObject;
            // `paths` may name an ancestor of the change: coarsen it at random.
            changedPaths.push(
              segments.slice(0, segments.length - (spec.coarsen % (segments.length + 1))).join('.'),
            );
          }

          const known = [...new Set([...allPaths(before), ...allPaths(after), 'zz.q'])];
          const patterns = patternSpecs.map((spec) =>
            split(pick(known, spec.pick))
              .map((segment, i) => (spec.wild[i] ? '*' : segment))
              .join('.'),
          );

          const registry = new ObserverRegistry({
            onError: (error) => {
              throw error;
            },
          });
          const fired = patterns.map(() => [] as string[]);
          patterns.forEach((pattern, i) => {
            registry.observe(pattern, (value, change) => {
              expect(value).toBe(valueAt(after, change.path));
              expect(change.value).toBe(value);
              expect(change.previous).toBe(valueAt(before, change.path));
              fired[i]!.push(change.path);
            });
          });
          registry.notify(
            { before, after, paths: changedPaths },
            { version: 1, origin: 'p', local: false },
          );

          patterns.forEach((pattern, i) => {
            const candidates = pattern.split('.').includes('*')
              ? known.filter((path) => matches(pattern, path))
              : [pattern];
            const expected = candidates
              .filter((path) => !isDeepStrictEqual(valueAt(before, path), valueAt(after, path)))
              .sort();
            expect([...fired[i]!].sort()).toEqual(expected);
          });
        },
      ),
      { numRuns: 500 },
    );
  });
});
