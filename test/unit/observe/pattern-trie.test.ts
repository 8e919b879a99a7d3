import { describe, expect, it } from 'vitest';
import { splitPath } from '../../../src/observe/paths.js';
import { PatternTrie } from '../../../src/observe/pattern-trie.js';

interface Member {
  pattern: string;
  segments: string[];
}

function member(pattern: string): Member {
  return { pattern, segments: splitPath(pattern) };
}

function overlapping(trie: PatternTrie<Member>, path: string): Array<[string, number]> {
  const found: Array<[string, number]> = [];
  trie.forEachOverlapping(splitPath(path), (m, depth) => found.push([m.pattern, depth]));
  return found.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

describe('PatternTrie', () => {
  it('finds ancestors, the path itself, descendants and wildcard matches, nothing else', () => {
    const trie = new PatternTrie<Member>();
    for (const p of ['', 'a', 'a.b', 'a.b.c', 'a.*', '*.b.d', 'a.c', 'x', 'a.*.z']) {
      trie.add(member(p));
    }
    expect(overlapping(trie, 'a.b')).toEqual([
      ['', 0],
      ['*.b.d', 2],
      ['a', 1],
      ['a.*', 2],
      ['a.*.z', 2],
      ['a.b', 2],
      ['a.b.c', 2],
    ]);
  });

  it('visits only the members that could match among many', () => {
    const trie = new PatternTrie<Member>();
    for (let i = 0; i < 10_000; i++) trie.add(member(`rows.${i}.value`));
    expect(trie.size).toBe(10_000);
    expect(overlapping(trie, 'rows.42.value')).toEqual([['rows.42.value', 3]]);
    expect(overlapping(trie, 'other')).toEqual([]);
  });

  it('removes members, prunes empty branches and ignores unknown members', () => {
    const trie = new PatternTrie<Member>();
    const deep = member('a.b.c');
    const shallow = member('a');
    trie.add(deep);
    trie.add(shallow);
    trie.add(shallow);
    expect(trie.size).toBe(2);
    expect(trie.remove(deep)).toBe(true);
    expect(trie.remove(deep)).toBe(false);
    expect(trie.remove(member('a.b.c'))).toBe(false);
    expect(overlapping(trie, 'a.b.c')).toEqual([['a', 1]]);
    expect(trie.remove(shallow)).toBe(true);
    expect(trie.size).toBe(0);
    expect(overlapping(trie, '')).toEqual([]);
  });
});
