import { describe, expect, it } from 'vitest';
import { afterFlush } from './fake-source.js';
import { setup } from './live-fixture.js';

describe('createLive: arrays', () => {
  it('sets one index with $set of the element path', async () => {
    const { source, live } = setup();
    live.list[1] = 10;
    live.list[3] = 11;
    await afterFlush();
    expect(source.patches).toEqual([{ $set: { 'list.1': 10, 'list.3': 11 } }]);
    expect(source.data.list).toEqual([3, 10, 2, 11]);
  });

  it('collapses several pushes into one $push and returns the new length', async () => {
    const { source, live } = setup();
    expect(live.list.push(4)).toBe(4);
    expect(live.list.push(5, 6)).toBe(6);
    await afterFlush();
    expect(source.patches).toEqual([{ $push: { list: { $each: [4, 5, 6] } } }]);
  });

  it.each([
    ['pop', (l: number[]) => l.pop(), 2, [3, 1]],
    ['shift', (l: number[]) => l.shift(), 3, [1, 2]],
    ['unshift', (l: number[]) => l.unshift(0, 9), 5, [0, 9, 3, 1, 2]],
    ['splice', (l: number[]) => l.splice(1, 1, 7, 8), [1], [3, 7, 8, 2]],
    ['splice without deleteCount', (l: number[]) => l.splice(1), [1, 2], [3]],
    ['sort', (l: number[]) => l.sort().length, 3, [1, 2, 3]],
    ['sort with comparator', (l: number[]) => l.sort((a, b) => b - a).length, 3, [3, 2, 1]],
    ['reverse', (l: number[]) => l.reverse().length, 3, [2, 1, 3]],
    [
      'length =',
      (l: number[]) => {
        l.length = 1;
        return l.length;
      },
      1,
      [3],
    ],
  ])('%s becomes a $set of the whole array', async (_name, act, returned, expected) => {
    const { source, live } = setup();
    expect(act(live.list)).toEqual(returned);
    expect([...live.list]).toEqual(expected);
    await afterFlush();
    expect(source.patches).toEqual([{ $set: { list: expected } }]);
    expect(source.data.list).toEqual(expected);
  });

  it('returns detached copies of removed elements', () => {
    const { source, live } = setup();
    const removed = live.items.pop()!;
    removed.id = 99;
    expect(source.data.items[1]!.id).toBe(2);
  });

  it('returns the live array from sort and reverse, and passes live elements to the comparator', () => {
    const { live } = setup();
    const items = live.items;
    const seen: unknown[] = [];
    const sorted = items.sort((a, b) => {
      seen.push(a, b);
      return b.id - a.id;
    });
    expect(sorted).toBe(items);
    expect(items.map((item) => item.id)).toEqual([2, 1]);
    expect(items.reverse()).toBe(items);
    expect(items.map((item) => item.id)).toEqual([1, 2]);
    // Comparator arguments are live views: they read like the elements, and writes go through.
    expect(seen.length).toBeGreaterThan(0);
    (seen[0] as { done?: boolean }).done = true;
    expect(items.some((item) => item.done === true)).toBe(true);
  });

  it('computes whole-array rewrites from the value as it reads in this tick', async () => {
    const { source, live } = setup();
    live.list.push(0);
    live.list[0] = 5;
    live.list.sort();
    await afterFlush();
    expect(source.patches).toEqual([{ $set: { list: [0, 1, 2, 5] } }]);
  });

  it('turns a push onto an array with element writes into one $set of the array', async () => {
    const { source, live } = setup();
    live.list[0] = 5;
    live.list.push(4);
    await afterFlush();
    expect(source.patches).toEqual([{ $set: { list: [5, 1, 2, 4] } }]);
  });

  it('sends nothing for mutations that change nothing', async () => {
    const { source, live } = setup();
    live.list.push();
    live.list.splice(1, 0);
    live.empty = [];
    await afterFlush();
    source.patches.length = 0;
    expect(live.empty.pop()).toBeUndefined();
    live.list.length = 3;
    await afterFlush();
    expect(source.patches).toEqual([]);
  });

  it('turns delete of an element into null, as $unset does in an array', async () => {
    const { source, live } = setup();
    delete live.list[0];
    await afterFlush();
    expect(source.patches).toEqual([{ $set: { 'list.0': null } }]);
    expect(source.data.list).toEqual([null, 1, 2]);
  });
});
