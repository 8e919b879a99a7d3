import { describe, expect, it } from 'vitest';
import { createLive } from '../../../src/live/live.js';
import type { JsonValue } from '../../../src/types.js';
import { afterFlush } from './fake-source.js';
import { setup } from './live-fixture.js';

describe('createLive: reads', () => {
  it('reads the current source data, nested reads included', () => {
    const { source, live } = setup();
    expect(live.user.name).toBe('Ada');
    expect(live.items[1]!.id).toBe(2);
    source.data = { ...source.data, user: { name: 'Grace' } };
    expect(live.user.name).toBe('Grace');
    expect(live.user.age).toBeUndefined();
  });

  it('resolves a nested proxy by path on every access, never from a stale object', () => {
    const { source, live } = setup();
    const user = live.user;
    const firstItem = live.items[0]!;
    source.data = { ...source.data, user: { name: 'Linus' }, items: [{ id: 9 }] };
    expect(user.name).toBe('Linus');
    expect(firstItem.id).toBe(9);
  });

  it('looks like plain objects and arrays to ordinary code', () => {
    const { live } = setup();
    expect(Array.isArray(live.items)).toBe(true);
    expect(Array.isArray(live.user)).toBe(false);
    expect(live.list.length).toBe(3);
    expect([...live.list]).toEqual([3, 1, 2]);
    expect(live.list.map((n) => n * 2)).toEqual([6, 2, 4]);
    expect(Object.keys(live.user)).toEqual(['name', 'age']);
    expect(Object.keys(live.list)).toEqual(['0', '1', '2']);
    expect('name' in live.user).toBe(true);
    expect('email' in live.user).toBe(false);
    expect({ ...live.user }).toEqual({ name: 'Ada', age: 36 });
    expect(JSON.parse(JSON.stringify(live))).toEqual({
      user: { name: 'Ada', age: 36 },
      items: [{ id: 1 }, { id: 2 }],
      list: [3, 1, 2],
      count: 0,
    });
    expect(live.items.find((item) => item.id === 2)?.id).toBe(2);
  });

  it('reads a write made earlier in the same tick, and sees other writers too', () => {
    const { source, live } = setup();
    live.count = 5;
    live.list.push(7);
    expect(live.count).toBe(5);
    expect(live.list.length).toBe(4);
    expect(source.patches).toEqual([]);
    // Another writer replaces the data before the flush: its change shows, ours stays on top.
    source.data = { ...source.data, user: { name: 'Remote' }, count: 1 };
    expect(live.user.name).toBe('Remote');
    expect(live.count).toBe(5);
    expect([...live.list]).toEqual([3, 1, 2, 7]);
  });

  it('sees its own writes after the flush, through the source', async () => {
    const { source, live } = setup();
    live.user.name = 'Grace';
    live.items.push({ id: 3 });
    await afterFlush();
    expect(source.data.user.name).toBe('Grace');
    expect(live.user.name).toBe('Grace');
    expect(live.items.map((item) => item.id)).toEqual([1, 2, 3]);
  });
});

describe('createLive: patch errors', () => {
  it('reports a rejected patch to onError', async () => {
    const failure = new Error('refused');
    const errors: unknown[] = [];
    const live = createLive<Record<string, JsonValue>>(
      { data: {}, patch: () => Promise.reject(failure) },
      (e) => errors.push(e),
    );
    live.a = 1;
    await afterFlush();
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(errors).toEqual([failure]);
  });

  it('reports a patch that throws synchronously to onError', async () => {
    const failure = new Error('sync');
    const errors: unknown[] = [];
    const live = createLive<Record<string, JsonValue>>(
      {
        data: {},
        patch: () => {
          throw failure;
        },
      },
      (e) => errors.push(e),
    );
    live.a = 1;
    await afterFlush();
    expect(errors).toEqual([failure]);
  });
});
