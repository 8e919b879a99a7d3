import { describe, expect, it } from 'vitest';
import { jsonEqual } from '../../../src/observe/json-equal.js';
import {
  childPath,
  getAt,
  isAncestorOrSelf,
  isArrayIndex,
  joinPath,
  pathsOverlap,
  patternOverlaps,
  splitPath,
} from '../../../src/observe/paths.js';

describe('splitPath / joinPath / childPath', () => {
  it('treats the empty path as the root with no segments', () => {
    expect(splitPath('')).toEqual([]);
    expect(joinPath([])).toBe('');
    expect(childPath('', 'a')).toBe('a');
  });

  it('splits and joins dotted paths', () => {
    expect(splitPath('a.b.0')).toEqual(['a', 'b', '0']);
    expect(joinPath(['a', 'b', '0'])).toBe('a.b.0');
    expect(childPath('a.b', 'c')).toBe('a.b.c');
  });
});

describe('getAt', () => {
  const doc = { a: { b: [10, { c: 'x' }] }, n: null, '3': 'three' };

  it('returns the root for the empty path', () => {
    expect(getAt(doc, '')).toBe(doc);
  });

  it('walks objects and indexes arrays with numeric segments', () => {
    expect(getAt(doc, 'a.b.0')).toBe(10);
    expect(getAt(doc, 'a.b.1.c')).toBe('x');
    expect(getAt(doc, ['a', 'b', '1', 'c'])).toBe('x');
    expect(getAt(doc, '3')).toBe('three');
  });

  it('gives undefined for missing steps, primitives and non-canonical indices', () => {
    expect(getAt(doc, 'a.z')).toBeUndefined();
    expect(getAt(doc, 'a.b.5')).toBeUndefined();
    expect(getAt(doc, 'a.b.01')).toBeUndefined();
    expect(getAt(doc, 'a.b.-1')).toBeUndefined();
    expect(getAt(doc, 'n.x')).toBeUndefined();
    expect(getAt(doc, 'a.b.0.x')).toBeUndefined();
  });

  it('never reads prototype properties', () => {
    expect(getAt(doc, 'constructor')).toBeUndefined();
    expect(getAt(doc, 'a.b.length')).toBeUndefined();
    expect(getAt(doc, 'a.__proto__')).toBeUndefined();
  });
});

describe('overlap helpers', () => {
  it('isArrayIndex accepts canonical indices only', () => {
    expect(isArrayIndex('0')).toBe(true);
    expect(isArrayIndex('42')).toBe(true);
    expect(isArrayIndex('042')).toBe(false);
    expect(isArrayIndex('1.5')).toBe(false);
    expect(isArrayIndex('')).toBe(false);
  });

  it('isAncestorOrSelf compares whole segments', () => {
    expect(isAncestorOrSelf('', 'a.b')).toBe(true);
    expect(isAncestorOrSelf('a', 'a.b')).toBe(true);
    expect(isAncestorOrSelf('a.b', 'a.b')).toBe(true);
    expect(isAncestorOrSelf('a', 'ab')).toBe(false);
    expect(isAncestorOrSelf('a.b', 'a')).toBe(false);
  });

  it('pathsOverlap is true for same, ancestor and descendant, false for siblings', () => {
    expect(pathsOverlap('a.b', 'a.b')).toBe(true);
    expect(pathsOverlap('a', 'a.b.c')).toBe(true);
    expect(pathsOverlap('a.b.c', 'a')).toBe(true);
    expect(pathsOverlap('a.b', 'a.c')).toBe(false);
    expect(pathsOverlap('a.b', 'a.bc')).toBe(false);
  });

  it('patternOverlaps lets * match any one segment', () => {
    expect(patternOverlaps('users.*.name', 'users.u1.name')).toBe(true);
    expect(patternOverlaps('users.*.name', 'users')).toBe(true);
    expect(patternOverlaps('users.*.name', 'users.u1.name.first')).toBe(true);
    expect(patternOverlaps('users.*.name', 'users.u1.age')).toBe(false);
    expect(patternOverlaps('users.*', 'groups.g1')).toBe(false);
    expect(patternOverlaps('', 'anything')).toBe(true);
  });
});

describe('jsonEqual', () => {
  it('compares deeply, ignoring key order but not array order', () => {
    expect(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(jsonEqual({ a: 1, b: 2 }, { a: 1, c: 2 })).toBe(false);
  });

  it('distinguishes types that look alike', () => {
    expect(jsonEqual([], {})).toBe(false);
    expect(jsonEqual({}, [])).toBe(false);
    expect(jsonEqual(null, {})).toBe(false);
    expect(jsonEqual('1', 1)).toBe(false);
    expect(jsonEqual(undefined, null)).toBe(false);
    expect(jsonEqual(undefined, undefined)).toBe(true);
    expect(jsonEqual({ a: undefined } as never, { b: undefined } as never)).toBe(false);
  });
});
