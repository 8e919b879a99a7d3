import { MemSyncError } from '../../../src/errors.js';
import { describe, expect, it } from 'vitest';
import { applyWrite } from '../../../src/live/json-writes.js';
import type { JsonObject } from '../../../src/types.js';

describe('applyWrite', () => {
  const root: JsonObject = { a: { b: 1 }, untouched: { deep: [1] }, list: [0, 1] };

  it('copies containers along the path and shares everything else', () => {
    const next = applyWrite(root, ['a', 'b'], { kind: 'set', value: 2 }) as JsonObject;
    expect(next).toEqual({ a: { b: 2 }, untouched: { deep: [1] }, list: [0, 1] });
    expect(next).not.toBe(root);
    expect(next.a).not.toBe(root.a);
    expect(next.untouched).toBe(root.untouched);
    expect(root).toEqual({ a: { b: 1 }, untouched: { deep: [1] }, list: [0, 1] });
  });

  it('creates missing containers as objects and pads arrays with null', () => {
    expect(applyWrite({}, ['x', '0', 'y'], { kind: 'set', value: true })).toEqual({
      x: { '0': { y: true } },
    });
    expect(applyWrite(root, ['list', '3'], { kind: 'set', value: 3 })).toMatchObject({
      list: [0, 1, null, 3],
    });
  });

  it('unsets object keys, nulls array elements and returns the same root when nothing is there', () => {
    expect(applyWrite(root, ['a', 'b'], { kind: 'unset' })).toMatchObject({ a: {} });
    expect(applyWrite(root, ['list', '0'], { kind: 'unset' })).toMatchObject({ list: [null, 1] });
    expect(applyWrite(root, ['a', 'zz'], { kind: 'unset' })).toBe(root);
    expect(applyWrite(root, ['nope', 'deeper'], { kind: 'unset' })).toBe(root);
    expect(applyWrite(root, ['list', '9'], { kind: 'unset' })).toBe(root);
    expect(applyWrite(root, [], { kind: 'unset' })).toBeUndefined();
  });

  it('pushes onto arrays and creates a missing one', () => {
    expect(applyWrite(root, ['list'], { kind: 'push', values: [2, 3] })).toMatchObject({
      list: [0, 1, 2, 3],
    });
    expect(applyWrite(root, ['fresh'], { kind: 'push', values: [1] })).toMatchObject({
      fresh: [1],
    });
  });

  it('throws a MemSyncError through a primitive, a non-index array key, or a push onto a non-array', () => {
    expect(() => applyWrite(root, ['a', 'b', 'c'], { kind: 'set', value: 1 })).toThrow(MemSyncError);
    expect(() => applyWrite(root, ['list', 'x'], { kind: 'set', value: 1 })).toThrow(MemSyncError);
    expect(() => applyWrite(root, ['a'], { kind: 'push', values: [1] })).toThrow(MemSyncError);
  });
});
