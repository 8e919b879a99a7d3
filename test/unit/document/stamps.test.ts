import { describe, expect, it } from 'vitest';
import { StampTable } from '../../../src/document/index.js';
import { ProtocolError } from '../../../src/errors.js';

const seg = (path: string) => path.split('.');

function table(...writes: Array<[string, number, string]>): StampTable {
  const t = new StampTable();
  for (const [path, ts, peer] of writes) t.record(seg(path), seg(path).length, { ts, peer });
  return t;
}

function newer(t: StampTable, path: string, ts: number, peer = 'm'): boolean {
  return t.hasNewerOverlap(seg(path), seg(path).length, ts, peer);
}

describe('StampTable', () => {
  it('finds a newer write on the same path, an ancestor or a descendant', () => {
    const t = table(['a.b', 10, 'p']);
    expect(newer(t, 'a.b', 5)).toBe(true);
    expect(newer(t, 'a', 5)).toBe(true);
    expect(newer(t, 'a.b.c', 5)).toBe(true);
    expect(newer(t, 'a.c', 5)).toBe(false);
    expect(newer(t, 'x', 5)).toBe(false);
    expect(newer(t, 'a.b', 15)).toBe(false);
  });

  it('breaks equal timestamps by peer id', () => {
    const t = table(['a', 10, 'm']);
    expect(newer(t, 'a', 10, 'a')).toBe(true);
    expect(newer(t, 'a', 10, 'z')).toBe(false);
    expect(newer(t, 'a', 10, 'm')).toBe(false);
  });

  it('keeps the newest stamp when an older write is recorded later', () => {
    const t = table(['a.b', 10, 'p'], ['a.b', 3, 'p'], ['a.c', 1, 'p']);
    expect(newer(t, 'a.b', 5)).toBe(true);
    expect(newer(t, 'a', 9)).toBe(true);
    expect(newer(t, 'a.c', 2)).toBe(false);
  });

  it('records a positional write at the array path (the prefix given)', () => {
    const t = new StampTable();
    t.record(seg('l.$[].x'), 1, { ts: 10, peer: 'p' });
    expect(newer(t, 'l.0.y', 5)).toBe(true);
    expect(t.toJSON()).toEqual([['l', 10, 'p']]);
  });

  it('round-trips through JSON', () => {
    const t = table(['a', 1, 'p'], ['a.b.c', 7, 'q'], ['z', 3, 'r']);
    const copy = StampTable.fromJSON(JSON.parse(JSON.stringify(t.toJSON())));
    expect(copy.toJSON()).toEqual(t.toJSON());
    expect(newer(copy, 'a.b', 6)).toBe(true);
    expect(newer(copy, 'a.x', 6)).toBe(false);
  });

  it.each([
    ['not an array', { a: 1 }],
    ['an entry of the wrong size', [['a', 1]]],
    ['a negative ts', [['a', -1, 'p']]],
    ['a fractional ts', [['a', 1.5, 'p']]],
    ['an empty path', [['', 1, 'p']]],
    ['an empty segment', [['a..b', 1, 'p']]],
    ['a peer that is not a string', [['a', 1, 2]]],
  ])('refuses %s with ERR_PROTOCOL', (_, entries) => {
    expect(() => StampTable.fromJSON(entries)).toThrow(ProtocolError);
  });
});
