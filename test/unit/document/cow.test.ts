import { describe, expect, it } from 'vitest';
import { applyUpdateTo, ConditionCache } from '../../../src/document/index.js';
import type { JsonObject, Update } from '../../../src/types.js';
import { Harness } from './harness.js';

const conditions = new ConditionCache();

function apply(root: JsonObject, update: Update, arrayFilters?: JsonObject[]) {
  const text = JSON.stringify(root);
  const result = applyUpdateTo(
    root,
    { update, ts: 1_000_000, ...(arrayFilters ? { arrayFilters } : {}) },
    conditions,
  );
  // Whatever happened, the root handed in is exactly as it was.
  expect(JSON.stringify(root)).toBe(text);
  return result;
}

describe('copy-on-write', () => {
  it('copies only the containers along the written path and shares the rest', () => {
    const root = { a: { x: { deep: 1 }, y: [1, 2] }, b: { z: 1 }, l: [{ n: 1 }, { n: 2 }] };
    const { root: next } = apply(root, { $inc: { 'a.x.deep': 1 } });
    expect(next).not.toBe(root);
    expect(next.a).not.toBe(root.a);
    expect((next.a as JsonObject).x).not.toBe(root.a.x);
    expect((next.a as JsonObject).y).toBe(root.a.y);
    expect(next.b).toBe(root.b);
    expect(next.l).toBe(root.l);
  });

  it('owns many containers at once (past the list it starts with) and copies each once', () => {
    // 40 elements written through '$[]': the patch owns the root, the array and 40 objects.
    const root = { list: Array.from({ length: 40 }, (_, i) => ({ n: i, tag: { t: i } })) };
    const { root: next, changedPaths } = apply(root, { $inc: { 'list.$[].n': 1 }, $set: { 'list.$[].tag.t': 0 } });
    const list = next.list as Array<{ n: number; tag: { t: number } }>;
    expect(list.map((item) => item.n)).toEqual(root.list.map((item) => item.n + 1));
    expect(list.every((item) => item.tag.t === 0)).toBe(true);
    // Every element was copied (once: both writes landed on the same copy), none shared.
    for (let i = 0; i < 40; i++) expect(list[i]).not.toBe(root.list[i]);
    expect(changedPaths).toEqual(['list']);
  });

  it('leaves arrays that mingo changes in place untouched: $push, $pop, $push with $sort', () => {
    const root = { l: [3, 1, 2], m: [{ t: [1] }, { t: [2] }] };
    apply(root, { $push: { l: { $each: [0], $sort: 1, $slice: 3 } } });
    apply(root, { $pop: { l: -1 } });
    apply(root, { $push: { 'm.$[].t': 9 } });
    apply(root, { $set: { 'm.$[e].t.0': 5 } }, [{ 'e.t': 2 }]);
    apply(root, { $rename: { l: 'k' } });
    expect(root).toEqual({ l: [3, 1, 2], m: [{ t: [1] }, { t: [2] }] });
  });

  it('keeps the very same root when a patch changes nothing', () => {
    const root = { a: 1, l: [1, 2] };
    const result = apply(root, { $set: { a: 1 }, $addToSet: { l: 2 }, $unset: { missing: '' } });
    expect(result.root).toBe(root);
    expect(result.changedPaths).toEqual([]);
  });

  it('gives a new root on every change, so identity tells a change', () => {
    const h = new Harness({ n: 0 });
    const seen = new Set<JsonObject>([h.state]);
    for (let i = 0; i < 5; i++) {
      h.submit({ $inc: { n: 1 } });
      expect(seen.has(h.state)).toBe(false);
      seen.add(h.state);
    }
  });

  it('changes nothing when a patch fails half-way through', () => {
    const h = new Harness({ a: 1, l: 5 });
    const before = h.state;
    // 'a' and 'b' are prepared first (field-name order) and copied; 'l' then cannot take $push.
    const outcome = h.submit({ $set: { a: 2, b: 3 }, $push: { l: 1 } });
    expect(outcome).toMatchObject({ applied: false, reason: 'failed' });
    expect(outcome.message).toMatch(/\$push/);
    expect(h.state).toBe(before);
    expect(h.state).toEqual({ a: 1, l: 5 });
  });

  it('never changes a patch it applied, even when later patches change what it wrote', () => {
    // A patch stays in logs and pending lists after it applied: later writes must copy.
    const update: Update = { $set: { v: { inner: [1], o: { k: 1 } } } };
    const text = JSON.stringify(update);
    const first = apply({}, update).root;
    const second = apply(first, { $push: { 'v.inner': 2 }, $inc: { 'v.o.k': 1 } }).root;
    expect(second).toEqual({ v: { inner: [1, 2], o: { k: 2 } } });
    expect(JSON.stringify(update)).toBe(text);
  });
});

describe('copy-on-write: reserved segments below a missing field', () => {
  // Validation refuses these paths; the replica must not write through the prototype anyway
  // (an entry that skipped validation): materialize followed `__proto__` to Object.prototype.
  it.each(['a.__proto__.polluted', 'a.b.__proto__.polluted', 'a.constructor.polluted'])('refuses %s, writing nothing anywhere', (path) => {
    expect(() => apply({ n: 1 }, { $set: { [path]: 1 } })).toThrow(/is reserved/);
    expect(() => apply({ n: 1 }, { $inc: { [path]: 1 } })).toThrow(/is reserved/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object as unknown as Record<string, unknown>).polluted).toBeUndefined();
  });
});
