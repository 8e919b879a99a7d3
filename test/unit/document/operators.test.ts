import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../src/types.js';
import { Harness, type SubmitOptions } from './harness.js';

function run(initial: JsonObject, update: unknown, options: SubmitOptions = {}) {
  const h = new Harness(initial);
  const before = h.state;
  const outcome = h.submit(update, options);
  return { h, before, outcome, state: h.state };
}

/** Applies and expects mingo/our pre-checks to refuse it as 'failed', changing nothing. */
function expectFailed(
  initial: JsonObject,
  update: unknown,
  message: RegExp,
  options: SubmitOptions = {},
) {
  const { h, before, outcome } = run(initial, update, options);
  expect(outcome).toMatchObject({ applied: false, reason: 'failed', changedPaths: [] });
  expect(outcome.message).toMatch(message);
  expect(h.state).toBe(before);
  expect(h.state).toEqual(initial);
  expect(h.replica.version).toBe(1);
}

describe('$set, $unset, $rename, $currentDate', () => {
  it('$set creates missing objects along a dotted path', () => {
    const { outcome, state } = run({ a: 1 }, { $set: { 'b.c.d': 2 } });
    expect(state).toEqual({ a: 1, b: { c: { d: 2 } } });
    expect(outcome).toMatchObject({ applied: true, changedPaths: ['b.c.d'] });
  });

  it('$set of an equal value applies but changes nothing, keeping the root', () => {
    const { outcome, before, state } = run({ a: { b: [1, 2] } }, { $set: { a: { b: [1, 2] } } });
    expect(outcome).toMatchObject({ applied: true, changedPaths: [] });
    expect(state).toBe(before);
    expect(outcome.after).toBe(outcome.before);
  });

  it('$set replaces array elements by index and pads with nulls past the end', () => {
    expect(run({ l: [1, 2] }, { $set: { 'l.1': 9 } }).state).toEqual({ l: [1, 9] });
    const padded = run({ l: [1] }, { $set: { 'l.3': 4 } }).state;
    expect(padded).toEqual({ l: [1, null, null, 4] });
    expect(JSON.stringify(padded)).toBe('{"l":[1,null,null,4]}');
    expect(run({ l: [{ n: 1 }] }, { $set: { 'l.0.n': 2 } }).state).toEqual({ l: [{ n: 2 }] });
  });

  it('$set treats _id as an ordinary field', () => {
    expect(run({ _id: 1 }, { $set: { _id: 2 } }).state).toEqual({ _id: 2 });
    expect(run({ _id: 1 }, { $rename: { _id: 'id' } }).state).toEqual({ id: 1 });
  });

  it('$set refuses to create a field inside a scalar or an array', () => {
    expectFailed({ a: 5 }, { $set: { 'a.b': 1 } }, /cannot create field 'b'/);
    expectFailed({ a: 'text' }, { $set: { 'a.b.c': 1 } }, /cannot create field/);
    expectFailed({ l: [{ x: 1 }] }, { $set: { 'l.x': 1 } }, /cannot create field 'x' in an array/);
    expectFailed({ l: [1] }, { $set: { 'l.01': 1 } }, /cannot create field '01'/);
  });

  it('refuses to create a field inside null, as MongoDB does (mingo replaced the null)', () => {
    expectFailed({ a: null }, { $set: { 'a.b': 1 } }, /cannot create field 'b' in element \{a: null\}/);
    expectFailed({ a: null }, { $inc: { 'a.b': 1 } }, /cannot create field 'b'/);
    expectFailed({ a: null }, { $push: { 'a.b': 1 } }, /cannot create field 'b'/);
  });

  it('$unset removes fields, nulls array elements, ignores what is missing', () => {
    expect(run({ a: 1, b: { c: 2, d: 3 } }, { $unset: { 'b.c': '' } }).state).toEqual({
      a: 1,
      b: { d: 3 },
    });
    expect(run({ l: [1, 2, 3] }, { $unset: { 'l.1': 1 } }).state).toEqual({ l: [1, null, 3] });
    const missing = run({ a: 1 }, { $unset: { 'x.y': 1, 'a.b': 1 } });
    expect(missing.outcome).toMatchObject({ applied: true, changedPaths: [] });
    expect(missing.state).toBe(missing.before);
  });

  it('$rename moves a value, creating the target path, and reports both paths', () => {
    const { outcome, state } = run({ a: { b: 1 }, c: 2 }, { $rename: { 'a.b': 'x.y' } });
    expect(state).toEqual({ a: {}, c: 2, x: { y: 1 } });
    expect(outcome.changedPaths.sort()).toEqual(['a.b', 'x.y']);
    expect(run({ a: 1 }, { $rename: { b: 'c' } }).outcome.changedPaths).toEqual([]);
  });

  it('$currentDate takes its time from the patch timestamp, never from the clock', () => {
    const ts = Date.UTC(2024, 0, 2, 3, 4, 5, 678) * 1000 + 17;
    const { outcome, state } = run(
      {},
      { $currentDate: { at: true, on: { $type: 'date' }, ms: { $type: 'timestamp' } } },
      { ts },
    );
    expect(state).toEqual({
      at: '2024-01-02T03:04:05.678Z',
      on: '2024-01-02T03:04:05.678Z',
      ms: 1704164645678,
    });
    expect(outcome.changedPaths.sort()).toEqual(['at', 'ms', 'on']);
  });
});

describe('$inc, $mul, $min, $max, $bit', () => {
  it('$inc adds, and starts a missing field at 0', () => {
    expect(run({ n: 1 }, { $inc: { n: 2, m: -3, 'x.y': 1 } }).state).toEqual({
      n: 3,
      m: -3,
      x: { y: 1 },
    });
  });

  it('$inc and $mul refuse non-numbers and results JSON cannot hold', () => {
    expectFailed({ s: 'a' }, { $inc: { s: 1 } }, /cannot apply \$inc to a value of type string/);
    expectFailed({ s: null }, { $inc: { s: 1 } }, /type null/);
    expectFailed({ n: 1.7e308 }, { $inc: { n: 1.7e308 } }, /out of range/);
    expectFailed({ l: [] }, { $mul: { l: 2 } }, /cannot apply \$mul to a value of type array/);
    expectFailed({ n: 1e300 }, { $mul: { n: 1e300 } }, /out of range/);
  });

  it('$mul multiplies, and sets a missing field to 0', () => {
    expect(run({ n: 3 }, { $mul: { n: 4, m: 5 } }).state).toEqual({ n: 12, m: 0 });
  });

  it('$min and $max keep the smaller or larger value, setting missing fields', () => {
    expect(run({ a: 5, b: 5 }, { $min: { a: 3, b: 7, c: 1 } }).state).toEqual({ a: 3, b: 5, c: 1 });
    expect(run({ a: 5, b: 5 }, { $max: { a: 3, b: 7, c: 1 } }).state).toEqual({ a: 5, b: 7, c: 1 });
    const same = run({ a: 5 }, { $max: { a: 5 } });
    expect(same.outcome.changedPaths).toEqual([]);
    expect(same.state).toBe(same.before);
  });

  it('$bit applies and, or, xor to integers', () => {
    expect(
      run({ a: 13, b: 13, c: 13 }, { $bit: { a: { and: 10 }, b: { or: 2 }, c: { xor: 5 } } }).state,
    ).toEqual({
      a: 8,
      b: 15,
      c: 8,
    });
    expect(run({}, { $bit: { z: { or: 4 } } }).state).toEqual({ z: 4 });
    expectFailed({ f: 1.5 }, { $bit: { f: { and: 1 } } }, /non-integer/);
  });
});

describe('$push, $addToSet', () => {
  it('$push appends one value, creating the array when missing', () => {
    expect(run({ l: [1] }, { $push: { l: 2, m: { x: 1 } } }).state).toEqual({
      l: [1, 2],
      m: [{ x: 1 }],
    });
  });

  it('$push honours $each, $position, $slice and $sort', () => {
    expect(run({ l: [1, 2, 3] }, { $push: { l: { $each: [8, 9], $position: 1 } } }).state).toEqual({
      l: [1, 8, 9, 2, 3],
    });
    expect(run({ l: [1, 2, 3] }, { $push: { l: { $each: [4, 5], $slice: -3 } } }).state).toEqual({
      l: [3, 4, 5],
    });
    expect(run({ l: [1, 2, 3] }, { $push: { l: { $each: [4], $slice: 2 } } }).state).toEqual({
      l: [1, 2],
    });
    expect(run({ l: [5, 1] }, { $push: { l: { $each: [3], $sort: -1 } } }).state).toEqual({
      l: [5, 3, 1],
    });
    const byField = run(
      { l: [{ n: 3 }, { n: 1 }] },
      { $push: { l: { $each: [{ n: 2 }], $sort: { n: 1 }, $slice: 2 } } },
    ).state;
    expect(byField).toEqual({ l: [{ n: 1 }, { n: 2 }] });
  });

  it('$push that slices its new element back off changes nothing, even for an equal element', () => {
    // Found by the model property (seed 2004391831): the pushed [2, 1] is equal to, not the
    // same object as, the one it displaced, and was reported as a change.
    const { outcome, before, state } = run(
      { b: [[2, 1]] },
      { $push: { b: { $each: [[2, 1]], $slice: 1, $position: 0 } } },
    );
    expect(outcome.changedPaths).toEqual([]);
    expect(state).toBe(before);
  });

  it('$push applies its modifiers when it creates the array', () => {
    expect(run({}, { $push: { l: { $each: [3, 1, 2], $sort: 1 } } }).state).toEqual({
      l: [1, 2, 3],
    });
    expect(run({}, { $push: { 'a.b': { $each: [3, 1, 2], $slice: 2 } } }).state).toEqual({
      a: { b: [3, 1] },
    });
    expect(run({}, { $push: { l: { $each: [] } } }).state).toEqual({ l: [] });
  });

  it('$push and $addToSet refuse a value that is not an array', () => {
    expectFailed({ l: 1 }, { $push: { l: 2 } }, /cannot apply \$push to a value of type number/);
    expectFailed(
      { l: {} },
      { $addToSet: { l: 2 } },
      /cannot apply \$addToSet to a value of type object/,
    );
  });

  it('$addToSet adds only what is not there yet, with or without $each', () => {
    expect(run({ l: [1, 2] }, { $addToSet: { l: 2 } }).outcome.changedPaths).toEqual([]);
    expect(run({ l: [1, 2] }, { $addToSet: { l: { $each: [2, 3, 3] } } }).state).toEqual({
      l: [1, 2, 3],
    });
    expect(run({ l: [{ a: 1 }] }, { $addToSet: { l: { a: 1 } } }).state).toEqual({ l: [{ a: 1 }] });
    expect(run({}, { $addToSet: { l: 'x' } }).state).toEqual({ l: ['x'] });
  });
});

describe('$pop, $pull, $pullAll', () => {
  it('$pop removes the last (1) or first (-1) element', () => {
    expect(run({ l: [1, 2, 3] }, { $pop: { l: 1 } }).state).toEqual({ l: [1, 2] });
    expect(run({ l: [1, 2, 3] }, { $pop: { l: -1 } }).state).toEqual({ l: [2, 3] });
    const empty = run({ l: [] }, { $pop: { l: 1 } });
    expect(empty.outcome).toMatchObject({ applied: true, changedPaths: [] });
    expectFailed({ l: 'abc' }, { $pop: { l: 1 } }, /cannot apply \$pop to a value of type string/);
  });

  it('$pull removes values equal to one, or matching a condition', () => {
    expect(run({ l: [1, 2, 1, 3] }, { $pull: { l: 1 } }).state).toEqual({ l: [2, 3] });
    expect(run({ l: [1, 5, 9] }, { $pull: { l: { $gte: 5 } } }).state).toEqual({ l: [1] });
    const objects = run(
      {
        l: [
          { q: 1, k: 'a' },
          { q: 5, k: 'b' },
        ],
      },
      { $pull: { l: { q: { $lt: 2 } } } },
    ).state;
    expect(objects).toEqual({ l: [{ q: 5, k: 'b' }] });
    expectFailed({ l: 7 }, { $pull: { l: 7 } }, /cannot apply \$pull/);
  });

  it('$pullAll removes every listed value', () => {
    expect(run({ l: [0, 1, 2, 1, 3] }, { $pullAll: { l: [1, 3] } }).state).toEqual({ l: [0, 2] });
  });
});

describe('$[] and $[id] positional paths', () => {
  it('$[] updates every element and reports the array path', () => {
    const { outcome, state } = run({ s: [1, 2, 3] }, { $inc: { 's.$[]': 10 } });
    expect(state).toEqual({ s: [11, 12, 13] });
    expect(outcome.changedPaths).toEqual(['s']);
    expect(run({ l: [{ a: 1 }, { a: 2 }] }, { $set: { 'l.$[].b': 0 } }).state).toEqual({
      l: [
        { a: 1, b: 0 },
        { a: 2, b: 0 },
      ],
    });
  });

  it('$[id] updates the elements its array filter matches', () => {
    const items = { l: [{ q: 1 }, { q: 5 }, { q: 9 }] };
    const { state } = run(
      items,
      { $set: { 'l.$[big].hot': true } },
      { arrayFilters: [{ 'big.q': { $gt: 4 } }] },
    );
    expect(state).toEqual({ l: [{ q: 1 }, { q: 5, hot: true }, { q: 9, hot: true }] });
    expect(
      run({ s: [1, 5, 9] }, { $mul: { 's.$[x]': 2 } }, { arrayFilters: [{ x: { $gte: 5 } }] })
        .state,
    ).toEqual({
      s: [1, 10, 18],
    });
  });

  it('nests positional segments, each with its own filter', () => {
    const doc = {
      g: [
        { k: 'a', v: [1, 2] },
        { k: 'b', v: [3, 4] },
      ],
    };
    const { state } = run(
      doc,
      { $inc: { 'g.$[grp].v.$[n]': 100 } },
      { arrayFilters: [{ 'grp.k': 'b' }, { n: { $gt: 3 } }] },
    );
    expect(state).toEqual({
      g: [
        { k: 'a', v: [1, 2] },
        { k: 'b', v: [3, 104] },
      ],
    });
  });

  it('$push into arrays held by each element', () => {
    const doc = { l: [{ t: [1] }, { t: [2] }] };
    expect(run(doc, { $push: { 'l.$[].t': 0 } }).state).toEqual({
      l: [{ t: [1, 0] }, { t: [2, 0] }],
    });
    expect(doc).toEqual({ l: [{ t: [1] }, { t: [2] }] });
  });

  it('refuses a missing array and a non-array, as MongoDB does', () => {
    expectFailed({ a: 1 }, { $set: { 'l.$[].x': 1 } }, /the path 'l' must exist/);
    expectFailed({ l: 5 }, { $set: { 'l.$[].x': 1 } }, /cannot apply array updates to non-array element \{l: 5\}/);
  });

  it('checks only the elements that match: a scalar left out by the filter is no error', () => {
    const { state } = run(
      { l: [1, { n: 1 }] },
      { $inc: { 'l.$[e].n': 1 } },
      { arrayFilters: [{ 'e.n': 1 }] },
    );
    expect(state).toEqual({ l: [1, { n: 2 }] });
    expectFailed({ l: [1, { n: 1 }] }, { $set: { 'l.$[].n.deep': 1 } }, /cannot create field/);
  });
});
