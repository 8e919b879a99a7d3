import { inspect, types } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPlainObject } from '../../../src/document/json.js';
import { Replica } from '../../../src/document/replica.js';
import { chunkPagesOf, chunksOf, isWideRoot, openDraft, sealDraft, WIDE_ROOT_KEYS, wideRoot, withOwnValue, withValuesFrom } from '../../../src/document/wide-root.js';
import type { JsonObject, JsonValue } from '../../../src/types.js';

/** Keys past one chunk (32), integer-like ones among them (a plain object puts those first). */
const KEYS = [
  ...Array.from({ length: 70 }, (_, i) => `k${i}`),
  '0',
  '7',
  '10',
  '4294967295',
  '01',
];

type Op = { set: string; value: number } | { delete: string };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ set: fc.constantFrom(...KEYS), value: fc.integer({ min: 0, max: 9 }) }),
  fc.record({ delete: fc.constantFrom(...KEYS) }),
);

/** One patch: the version it starts from (an index into those made so far) and its writes. */
const step = fc.record({ from: fc.nat(), ops: fc.array(op, { minLength: 1, maxLength: 40, size: 'large' }) });

function write(target: Record<string, JsonValue>, ops: readonly Op[]): void {
  for (const o of ops) {
    if ('set' in o) target[o.set] = o.value;
    else delete target[o.delete];
  }
}

/** What a reader can learn of a root, in one string: compared with one assertion. */
function facts(root: JsonObject): string {
  const each = KEYS.map((key) => `${key}:${String(root[key])}:${key in root}:${Object.hasOwn(root, key)}`);
  return `${JSON.stringify(root)} ${Object.keys(root).join(',')} ${each.join(' ')}`;
}

function expectSame(root: JsonObject, model: JsonObject): void {
  expect(facts(root)).toBe(facts(model));
}

describe('wide root', () => {
  it('reads like a plain object given the same writes, on every branch, old roots unchanged', () => {
    fc.assert(
      fc.property(
        // Enough keys for two or three chunks of 32 from the start.
        fc.dictionary(fc.constantFrom(...KEYS), fc.integer({ min: 0, max: 9 }), { minKeys: 40 }),
        fc.array(step, { minLength: 1, maxLength: 20 }),
        (initial, steps) => {
          const versions: Array<{ root: JsonObject; model: JsonObject }> = [
            { root: wideRoot({ ...initial }, 0), model: { ...initial } },
          ];
          for (const { from, ops } of steps) {
            // Mostly the newest root (a replica's line), sometimes an older one (a view's branch).
            const base = versions[from % 3 === 0 ? from % versions.length : versions.length - 1]!;
            const draft = openDraft(base.root);
            write(draft, ops);
            const model = { ...base.model };
            write(model, ops);
            expectSame(draft, model);
            versions.push({ root: sealDraft(draft), model });
          }
          for (const { root, model } of versions) expectSame(root, model);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('replaces one key\'s value (withOwnValue) like a plain object, among drafts that add and delete keys, old roots unchanged', () => {
    // withOwnValue shares the chunk's keys with the root it came from: a later draft on any
    // branch that adds or deletes a key in that chunk must not show in the other roots.
    const replace = fc.record({ key: fc.constantFrom(...KEYS), value: fc.integer({ min: -9, max: -1 }) });
    const anyStep = fc.oneof(fc.record({ from: fc.nat(), replace }), step);
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...KEYS), fc.integer({ min: 0, max: 9 }), { minKeys: 40 }),
        fc.array(anyStep, { minLength: 1, maxLength: 30 }),
        (initial, steps) => {
          const versions: Array<{ root: JsonObject; model: JsonObject }> = [{ root: wideRoot({ ...initial }, 0), model: { ...initial } }];
          for (const s of steps) {
            const base = versions[s.from % 3 === 0 ? s.from % versions.length : versions.length - 1]!;
            const model = { ...base.model };
            if ('replace' in s) {
              const { key, value } = s.replace;
              const replaced = withOwnValue(base.root, key, value);
              if (!Object.hasOwn(base.model, key)) {
                expect(replaced).toBeUndefined();
                continue;
              }
              model[key] = value;
              expectSame(replaced!, model);
              versions.push({ root: replaced!, model });
              continue;
            }
            const draft = openDraft(base.root);
            write(draft, s.ops);
            write(model, s.ops);
            versions.push({ root: sealDraft(draft), model });
          }
          for (const { root, model } of versions) expectSame(root, model);
        },
      ),
      { numRuns: 200 },
    );
    expect(withOwnValue(Object.freeze({ a: 1 }), 'a', 2)).toBeUndefined();
  });

  it('a write of one key of a 20,000-key root copies one page of its chunk list, whichever way it is made', () => {
    const many = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`m${i}`, i]));
    const root = wideRoot({ ...many });
    const pages = chunkPagesOf(root)!;
    expect(pages.length).toBe(20); // 625 chunks of 32 keys, in pages of 32 chunks
    const made = [withOwnValue(root, 'm15000', -1)!, withValuesFrom(root, withOwnValue(root, 'm15000', -2)!, ['m15000'])!];
    const draft = openDraft(root);
    (draft as Record<string, JsonValue>).m15000 = -3;
    made.push(sealDraft(draft));
    made.forEach((after, i) => {
      expect(after.m15000).toBe(-1 - i);
      const afterPages = chunkPagesOf(after)!;
      expect(afterPages.filter((page, p) => page !== pages[p]).length).toBe(1);
      const before = new Set(chunksOf(root));
      expect(chunksOf(after)!.filter((chunk) => !before.has(chunk)).length).toBe(1);
    });
    expect(root.m15000).toBe(15000);
  });

  it.each([2100, 2048])('reads like a plain object with many chunks (%i keys), on every branch', (count) => {
    // Keys from first to last chunk, and new ones: writes land all along and past the end
    // (with 2,048 keys, two full pages of 32 chunks: a new key starts a third page).
    const many = Object.fromEntries(Array.from({ length: count }, (_, i) => [`m${i}`, i]));
    const touched = fc.constantFrom('m0', 'm31', 'm32', 'm1023', 'm1024', 'm1500', 'm2047', 'm2048', 'm2099', 'x1', 'x2', '5', 'k0');
    const pageOp: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ set: touched, value: fc.integer({ min: -9, max: -1 }) }),
      fc.record({ delete: touched }),
    );
    fc.assert(
      fc.property(fc.array(fc.record({ from: fc.nat(), ops: fc.array(pageOp, { minLength: 1, maxLength: 12 }) }), { minLength: 1, maxLength: 12 }), (steps) => {
        const versions: Array<{ root: JsonObject; model: JsonObject }> = [{ root: wideRoot({ ...many }, 0), model: { ...many } }];
        for (const { from, ops } of steps) {
          const base = versions[from % 2 === 0 ? from % versions.length : versions.length - 1]!;
          const draft = openDraft(base.root);
          write(draft, ops);
          const model = { ...base.model };
          write(model, ops);
          versions.push({ root: sealDraft(draft), model });
        }
        for (const { root, model } of versions) {
          expect(JSON.stringify(root)).toBe(JSON.stringify(model));
          expect(Object.keys(root)).toEqual(Object.keys(model));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('takes the values of some keys from another root: reads like the plain object, both roots unchanged', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...KEYS), fc.integer({ min: 0, max: 9 }), { minKeys: 40 }),
        fc.array(op, { minLength: 1, maxLength: 30 }),
        fc.array(op, { minLength: 1, maxLength: 30 }),
        fc.uniqueArray(fc.constantFrom(...KEYS), { minLength: 1, maxLength: 20 }),
        fc.boolean(),
        (initial, mine, theirs, keys, plain) => {
          // Two branches of one root (a view's and its replica's), chunked or plain alike.
          const base = wideRoot({ ...initial }, 0);
          const make = (model: JsonObject, ops: readonly Op[]): { root: JsonObject; model: JsonObject } => {
            const copy = { ...model };
            write(copy, ops);
            if (plain) return { root: Object.freeze({ ...copy }), model: copy };
            const draft = openDraft(base);
            write(draft, ops);
            return { root: sealDraft(draft), model: copy };
          };
          const a = make(initial, mine);
          const b = make(initial, theirs);
          const taken = withValuesFrom(a.root, b.root, keys);
          const everywhere = keys.every((key) => Object.hasOwn(a.model, key) && Object.hasOwn(b.model, key));
          if (!everywhere) {
            expect(taken).toBeUndefined();
            return;
          }
          const model = { ...a.model };
          for (const key of keys) model[key] = b.model[key]!;
          expectSame(taken!, model);
          expect(types.isProxy(taken)).toBe(!plain);
          expect(Object.isFrozen(taken)).toBe(plain);
          expect(() => {
            (taken as Record<string, unknown>).k0 = -1;
          }).toThrow(TypeError);
          expectSame(a.root, a.model);
          expectSame(b.root, b.model);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a chunked root is a Proxy, a plain root a frozen plain object (what mem.data is)', () => {
    const wide = wideRoot(Object.fromEntries(Array.from({ length: WIDE_ROOT_KEYS }, (_, i) => [`k${i}`, i])));
    const small = wideRoot({ a: 1 });
    expect([types.isProxy(wide), isWideRoot(wide), Object.isFrozen(wide)]).toEqual([true, true, false]);
    expect([types.isProxy(small), isWideRoot(small), Object.isFrozen(small)]).toEqual([false, false, true]);
  });

  it('is frozen to its readers: writes throw and change nothing', () => {
    const root = wideRoot({ a: { b: 1 }, list: [1] }, 0);
    const attempts: Array<() => void> = [
      () => {
        (root as Record<string, unknown>).c = 1;
      },
      () => {
        delete (root as Record<string, unknown>).a;
      },
      () => Object.defineProperty(root, 'c', { value: 1 }),
      () => Object.setPrototypeOf(root, null),
      () => {
        (root.a as Record<string, unknown>).b = 2;
      },
      () => (root.list as unknown[]).push(2),
    ];
    for (const attempt of attempts) expect(attempt).toThrow(TypeError);
    expect(JSON.stringify(root)).toBe('{"a":{"b":1},"list":[1]}');
  });

  it('passes for a plain object where code looks: prototype, spread, inspect, for-in', () => {
    const root = wideRoot({ b: 1, a: 2, 3: "x" }, 0);
    expect(isPlainObject(root)).toBe(true);
    expect(Object.getPrototypeOf(root)).toBe(Object.prototype);
    expect({ ...root }).toEqual({ 3: 'x', b: 1, a: 2 });
    expect(root).toEqual({ 3: 'x', b: 1, a: 2 });
    expect(inspect(root)).toBe(inspect({ 3: 'x', b: 1, a: 2 }));
    const seen: string[] = [];
    for (const key in root) seen.push(key);
    expect(seen).toEqual(['3', 'b', 'a']);
    expect(Object.entries(root)).toEqual([['3', 'x'], ['b', 1], ['a', 2]]);
    expect('toString' in root).toBe(true);
    expect(Object.hasOwn(root, 'toString')).toBe(false);
  });

  it('a replica whose root grows past the bound moves it into chunks, and reads the same', () => {
    const initial: Record<string, JsonValue> = Object.fromEntries(Array.from({ length: WIDE_ROOT_KEYS - 3 }, (_, i) => [`k${i}`, i]));
    initial.obj = {};
    const replica = new Replica(initial);
    const model: Record<string, JsonValue> = { ...initial };
    expect(isWideRoot(replica.state)).toBe(false);
    for (let i = 1; i <= 6; i++) {
      const key = `n${i}`;
      replica.apply({ version: i, epoch: 1, patch: { peer: 'p', seq: i, ts: i, update: { $set: { [key]: i, 'obj.x': i } } } });
      model[key] = i;
      model.obj = { x: i };
      expect(JSON.stringify(replica.state)).toBe(JSON.stringify(model));
    }
    expect(isWideRoot(replica.state)).toBe(true);
    expect(Object.isFrozen(replica.state.obj)).toBe(true);
  });
});
