/**
 * Objects below the root with many keys are chunked too, once a patch writes into them
 * (wide-root.ts, cow.ts): the documents, key order and JSON text must be exactly a plain
 * object's, and what a patch copies must follow the patch, not the object's size.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Replica } from '../../../src/document/replica.js';
import { chunksOf, isWideRoot } from '../../../src/document/wide-root.js';
import type { JsonObject, OrderedPatch, Update } from '../../../src/types.js';

/** The next entry for `replica`. */
function entry(replica: Replica, update: Update): OrderedPatch {
  const version = replica.version + 1;
  return { version, epoch: 1, patch: { peer: 'w', seq: version, ts: version, update } };
}

/** Keys that an integer-like name sorts first in a plain object; a few past one chunk (32). */
const KEYS = [...Array.from({ length: 45 }, (_, i) => `k${i}`), '0', '3', '12', '01'];
const PARENTS = ['users', 'meta.deep', 'list.0'];

const write: fc.Arbitrary<Update> = fc.oneof(
  fc.record({ $set: fc.dictionary(fc.constantFrom(...PARENTS).chain((p) => fc.constantFrom(...KEYS.map((k) => `${p}.${k}`))), fc.integer({ min: 0, max: 9 }), { minKeys: 1, maxKeys: 6 }) }),
  fc.record({ $unset: fc.dictionary(fc.constantFrom(...PARENTS).chain((p) => fc.constantFrom(...KEYS.map((k) => `${p}.${k}`))), fc.constant(''), { minKeys: 1, maxKeys: 4 }) }),
  fc.record({ $inc: fc.dictionary(fc.constantFrom(...KEYS.map((k) => `users.${k}`)), fc.integer({ min: 1, max: 3 }), { minKeys: 1, maxKeys: 4 }) }),
);

function initial(keys: readonly string[]): JsonObject {
  const users: JsonObject = {};
  for (const k of keys) users[k] = 1;
  return { users, meta: { deep: { ...users } }, list: [{ ...users }, 'x'], n: 0 };
}

/** Every nested object with `keys` or more keys that has been written into is chunked here. */
function countChunked(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  let n = isWideRoot(value) ? 1 : 0;
  for (const child of Object.values(value)) n += countChunked(child);
  return n;
}

describe('nested wide objects', () => {
  it('read exactly like plain objects given the same patches, old states unchanged', () => {
    let chunkedSeen = 0;
    fc.assert(
      fc.property(fc.subarray(KEYS, { minLength: 0 }), fc.array(write, { minLength: 1, maxLength: 25 }), (keys, updates) => {
        // Chunked from 8 keys up, against a replica that never chunks anything.
        const wide = new Replica(initial(keys), { wideRootKeys: 8 });
        const plain = new Replica(initial(keys), { wideRootKeys: Number.POSITIVE_INFINITY });
        const seen: Array<{ state: JsonObject; text: string }> = [];
        for (const update of updates) {
          const e = entry(plain, update);
          const a = wide.apply(e);
          const b = plain.apply(e);
          expect({ applied: a.applied, reason: a.reason, paths: a.changedPaths }).toEqual({ applied: b.applied, reason: b.reason, paths: b.changedPaths });
          const text = JSON.stringify(plain.state);
          expect(JSON.stringify(wide.state)).toBe(text);
          for (const path of PARENTS) {
            const [top, rest] = path.split('.') as [string, string | undefined];
            let w = wide.state[top] as Record<string, unknown> | undefined;
            let p = plain.state[top] as Record<string, unknown> | undefined;
            if (rest !== undefined) {
              w = w?.[rest] as Record<string, unknown> | undefined;
              p = p?.[rest] as Record<string, unknown> | undefined;
            }
            expect(w === undefined ? undefined : Object.keys(w)).toEqual(p === undefined ? undefined : Object.keys(p));
            for (const k of KEYS) expect([w?.[k], w !== undefined && k in w]).toEqual([p?.[k], p !== undefined && k in p]);
          }
          chunkedSeen += countChunked(wide.state);
          seen.push({ state: wide.state, text });
        }
        for (const { state, text } of seen) expect(JSON.stringify(state)).toBe(text);
      }),
      { numRuns: 60 },
    );
    // The chunked path was taken, not only the plain one.
    expect(chunkedSeen).toBeGreaterThan(100);
  });

  it('a 200-path patch into one object copies chunks in proportion to the patch, whatever its size', () => {
    const copied = (keys: number): { afterFirst: number; second: number; list: number } => {
      const users: JsonObject = {};
      for (let i = 0; i < keys; i++) users[`u${i}`] = i;
      const replica = new Replica({ users, n: 0 });
      // 200 keys spread over the object: every hundredth.
      const paths = (value: number): Update => ({ $set: Object.fromEntries(Array.from({ length: 200 }, (_, j) => [`users.u${j * 100}`, value])) });
      replica.apply(entry(replica, paths(-1))); // the first write makes it chunked (one copy, as before)
      const before = chunksOf(replica.state.users)!;
      replica.apply(entry(replica, paths(-2)));
      const after = chunksOf(replica.state.users)!;
      const shared = new Set(before);
      let keysCopied = 0;
      for (const chunk of after) if (!shared.has(chunk)) keysCopied += chunk.size;
      expect((replica.state.users as JsonObject)[`u${150 * 100}`]).toBe(-2);
      expect((replica.state.users as JsonObject)[`u${150 * 100 + 1}`]).toBe(150 * 100 + 1);
      return { afterFirst: before.length, second: keysCopied, list: after.length };
    };
    const small = copied(20_000);
    const large = copied(100_000);
    // The second patch copied the 200 chunks it wrote (32 keys each) and nothing else...
    expect(small.second).toBe(200 * 32);
    // ...the same for an object five times the size: the copy follows the patch.
    expect(large.second).toBe(small.second);
    // Beside them it copies the list of chunks: one pointer per 32 keys.
    expect(large.list).toBe(100_000 / 32);
  });

  it('JSON text, key order and frozen reads of a chunked nested object', () => {
    const big: JsonObject = {};
    for (let i = 0; i < 100; i++) big[`k${i}`] = { v: i };
    big['7'] = 'seven';
    const replica = new Replica({ a: { big } });
    replica.apply(entry(replica, { $set: { 'a.big.k3.v': 30, 'a.big.new': 1, 'a.big.2': 'two' } }));
    const chunked = (replica.state.a as JsonObject).big as JsonObject;
    expect(isWideRoot(chunked)).toBe(true);
    const model = { ...big, k3: { v: 30 }, new: 1, 2: 'two' };
    expect(JSON.stringify(replica.state)).toBe(JSON.stringify({ a: { big: model } }));
    expect(Object.keys(chunked)).toEqual(Object.keys(model));
    expect(Object.isFrozen(chunked.k3)).toBe(true);
    expect(() => {
      (chunked as Record<string, unknown>).k4 = 1;
    }).toThrow(TypeError);
    expect(chunked.k4).toEqual({ v: 4 });
  });
});

describe('replay (a store\'s log at start, freezing deferred)', () => {
  it('freezes what it made inside chunked nested objects too', () => {
    const users: JsonObject = {};
    for (let i = 0; i < 80; i++) users[`u${i}`] = { n: i };
    const replica = new Replica({ users, list: [] });
    const entries: OrderedPatch[] = [];
    for (let v = 1; v <= 5; v++) {
      entries.push({ version: v, epoch: 1, patch: { peer: 'w', seq: v, ts: v, update: { $set: { [`users.u${v}`]: { n: -v, tags: ['a'] }, [`users.new${v}`]: { deep: { x: v } } } } } });
    }
    replica.replay(entries);
    const chunked = replica.state.users as JsonObject;
    expect(isWideRoot(chunked)).toBe(true);
    for (let v = 1; v <= 5; v++) {
      const written = chunked[`u${v}`] as JsonObject;
      expect(Object.isFrozen(written)).toBe(true);
      expect(Object.isFrozen(written.tags)).toBe(true);
      expect(Object.isFrozen((chunked[`new${v}`] as JsonObject).deep)).toBe(true);
    }
    expect(Object.isFrozen(replica.state)).toBe(true);
  });
});

describe('live() over chunked nested objects', () => {
  it('pop() hands out a detached copy of a chunked element (structuredClone refuses the Proxy)', async () => {
    const { createLive } = await import('../../../src/live/live.js');
    const wide: JsonObject = {};
    for (let i = 0; i < 70; i++) wide[`k${i}`] = i;
    const replica = new Replica({ list: [{ ...wide }] });
    replica.apply(entry(replica, { $set: { 'list.0.k1': -1 } }));
    // Written into: the element is chunked now.
    expect(isWideRoot((replica.state.list as JsonObject[])[0])).toBe(true);
    expect(() => structuredClone((replica.state.list as JsonObject[])[0])).toThrow();
    const patches: Update[] = [];
    const live = createLive<{ list: JsonObject[] }>(
      { data: replica.state as { list: JsonObject[] }, patch: (u) => (patches.push(u), Promise.resolve({ applied: true, version: 1 })) },
      (error) => {
        throw error;
      },
    );
    const popped = live.list.pop();
    expect(popped).toEqual({ ...wide, k1: -1 });
    expect(isWideRoot(popped)).toBe(false);
  });
});
