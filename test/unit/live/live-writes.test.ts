import { MemSyncError } from '../../../src/errors.js';
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../../src/types.js';
import { afterFlush } from './fake-source.js';
import { type Doc, setup } from './live-fixture.js';

describe('createLive: writes become one patch per tick', () => {
  it('sends nothing synchronously, then one patch with every operator', async () => {
    const { source, live } = setup();
    live.user.name = 'Grace';
    delete live.user.age;
    live.items.push({ id: 3 }, { id: 4 });
    live.list[0] = 4;
    live.extra = { nested: [1, 2] };
    expect(source.patches).toEqual([]);
    await afterFlush();
    expect(source.patches).toEqual([
      {
        $set: { 'user.name': 'Grace', 'list.0': 4, extra: { nested: [1, 2] } },
        $unset: { 'user.age': '' },
        $push: { items: { $each: [{ id: 3 }, { id: 4 }] } },
      },
    ]);
  });

  it('turns a push followed by a write inside the array into one $set of the array', async () => {
    const { source, live } = setup();
    live.items.push({ id: 3 });
    live.items[0]!.done = true;
    await afterFlush();
    expect(source.patches).toEqual([
      { $set: { items: [{ id: 1, done: true }, { id: 2 }, { id: 3 }] } },
    ]);
  });

  it('sends separate patches for separate ticks', async () => {
    const { source, live } = setup();
    live.count = 1;
    await afterFlush();
    live.count = 2;
    await afterFlush();
    expect(source.patches).toEqual([{ $set: { count: 1 } }, { $set: { count: 2 } }]);
  });

  it('collapses writes to the same path: the last wins', async () => {
    const { source, live } = setup();
    live.count = 1;
    live.count = 2;
    live.user.name = 'x';
    delete (live.user as { name?: string }).name;
    live.user.age = 1;
    live.user = { name: 'Final' };
    await afterFlush();
    expect(source.patches).toEqual([{ $set: { count: 2, user: { name: 'Final' } } }]);
  });

  it('merges a write under a path already being set into that value', async () => {
    const { source, live } = setup();
    live.profile = { bio: 'hi' };
    live.profile.links = ['a'];
    live.profile.links.push('b');
    delete live.profile.bio;
    await afterFlush();
    expect(source.patches).toEqual([{ $set: { profile: { links: ['a', 'b'] } } }]);
  });

  it('turns a delete then a write at the same path into a $set', async () => {
    const { source, live } = setup();
    delete (live as Partial<Doc>).user;
    live.user = { name: 'New' };
    live.user.tags = [];
    live.user.tags.push('t');
    await afterFlush();
    expect(source.patches).toEqual([{ $set: { user: { name: 'New', tags: ['t'] } } }]);
  });

  it('treats assigning undefined to a property as delete, and skips deleting what is absent', async () => {
    const { source, live } = setup();
    live.user.age = undefined;
    delete live.nothing;
    await afterFlush();
    expect(source.patches).toEqual([{ $unset: { 'user.age': '' } }]);
  });

  it('deep-copies assigned values', async () => {
    const { source, live } = setup();
    const value = { deep: { list: [1] } };
    live.copied = value;
    value.deep.list.push(2);
    await afterFlush();
    expect(source.patches).toEqual([{ $set: { copied: { deep: { list: [1] } } } }]);
    expect(source.data.copied).toEqual({ deep: { list: [1] } });
  });

  it('assigns one live value to another path as a plain copy', async () => {
    const { source, live } = setup();
    live.backup = live.user;
    await afterFlush();
    expect(source.patches).toEqual([{ $set: { backup: { name: 'Ada', age: 36 } } }]);
  });
});

describe('createLive: refused writes', () => {
  class Point {
    x = 1;
  }
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;

  it.each([
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
    ['a bigint', 10n],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a Date', new Date(0)],
    ['a Map', new Map()],
    ['a class instance', new Point()],
    ['a cycle', cycle],
    ['undefined in an array', [1, undefined]],
    ['a hole in an array', new Array(2)],
    ['a reserved key inside the value', JSON.parse('{"ok":{"__proto__":{"x":1}}}')],
    ['a nested constructor key', { constructor: 1 }],
  ])('throws a MemSyncError at the assignment of %s and records nothing', async (_what, value) => {
    const { source, live } = setup();
    expect(() => {
      live.bad = value as JsonValue;
    }).toThrow(MemSyncError);
    expect(() => live.list.push(value as number)).toThrow(MemSyncError);
    expect('bad' in live).toBe(false);
    await afterFlush();
    expect(source.patches).toEqual([]);
  });

  it.each(['__proto__', 'constructor', 'prototype', '', 'a.b', '$set'])(
    'refuses the property name %j',
    (key) => {
      const { live } = setup();
      expect(() => {
        (live as Record<string, JsonValue | undefined>)[key] = 1;
      }).toThrow(MemSyncError);
    },
  );

  it('refuses writes through a path that holds a primitive or nothing', () => {
    const { source, live } = setup();
    const user = live.user;
    source.data = { ...source.data, user: 5 as never };
    expect(() => {
      user.name = 'x';
    }).toThrow(MemSyncError);
    const items = live.items;
    source.data = { ...source.data, items: 'gone' as never };
    expect(() => items.push({ id: 1 })).toThrow(TypeError);
  });

  it('refuses holes: an index past the end, growing length, non-index keys on arrays', () => {
    const { live } = setup();
    expect(() => {
      live.list[5] = 1;
    }).toThrow(MemSyncError);
    expect(() => {
      live.list.length = 10;
    }).toThrow(MemSyncError);
    expect(() => {
      (live.list as unknown as Record<string, number>).foo = 1;
    }).toThrow(MemSyncError);
  });

  it('refuses defineProperty, freezing and prototype changes', () => {
    const { live } = setup();
    expect(() => Object.defineProperty(live, 'x', { value: 1 })).toThrow(MemSyncError);
    expect(() => Object.freeze(live)).toThrow(TypeError);
    expect(() => Object.setPrototypeOf(live, null)).toThrow(TypeError);
  });
});
