import { describe, expect, it } from 'vitest';
import { MemSyncError } from '../../../src/errors.js';
import { type Change, ObserverRegistry } from '../../../src/observe/registry.js';
import type { JsonObject, JsonValue } from '../../../src/types.js';

const meta = { version: 7, origin: 'peer-a', local: true };

interface Fired {
  value: JsonValue | undefined;
  change: Change;
}

function watch(registry: ObserverRegistry, pattern: string): Fired[] {
  const fired: Fired[] = [];
  registry.observe(pattern, (value, change) => fired.push({ value, change }));
  return fired;
}

function notify(
  registry: ObserverRegistry,
  before: JsonObject,
  after: JsonObject,
  paths: string[],
): void {
  registry.notify({ before, after, paths }, meta);
}

describe('ObserverRegistry: which changes fire', () => {
  const user = { name: 'Ada', age: 36 };
  const before: JsonObject = { user, settings: { theme: 'dark' } };

  it('fires for a write to the observed path, with value, previous and meta', () => {
    const registry = new ObserverRegistry();
    const fired = watch(registry, 'user.name');
    const after = { ...before, user: { ...user, name: 'Grace' } };
    notify(registry, before, after, ['user.name']);
    expect(fired).toEqual([
      {
        value: 'Grace',
        change: { path: 'user.name', value: 'Grace', previous: 'Ada', ...meta },
      },
    ]);
  });

  it('fires when an ancestor is replaced by a different value', () => {
    const registry = new ObserverRegistry();
    const fired = watch(registry, 'user.name');
    notify(registry, before, { ...before, user: { name: 'Linus', age: 36 } }, ['user']);
    expect(fired.map((f) => f.value)).toEqual(['Linus']);
  });

  it('does not fire when an ancestor is replaced but the observed value is equal', () => {
    const registry = new ObserverRegistry();
    const fired = watch(registry, 'user.name');
    notify(registry, before, { ...before, user: { name: 'Ada', age: 99 } }, ['user']);
    expect(fired).toEqual([]);
  });

  it('fires when a descendant changes, passing the whole observed value', () => {
    const registry = new ObserverRegistry();
    const fired = watch(registry, 'user');
    const after = { ...before, user: { ...user, age: 37 } };
    notify(registry, before, after, ['user.age']);
    expect(fired).toHaveLength(1);
    expect(fired[0]!.value).toBe(after.user);
    expect(fired[0]!.change.previous).toBe(user);
  });

  it('never fires for a sibling', () => {
    const registry = new ObserverRegistry();
    const fired = watch(registry, 'user.name');
    notify(registry, before, { ...before, user: { ...user, age: 40 } }, ['user.age']);
    notify(registry, before, { ...before, settings: { theme: 'light' } }, ['settings.theme']);
    expect(fired).toEqual([]);
  });

  it('never fires for a write of an equal value, even as a new object', () => {
    const registry = new ObserverRegistry();
    const fired = watch(registry, 'settings');
    const after = { ...before, settings: { theme: 'dark' } };
    notify(registry, before, after, ['settings']);
    notify(registry, before, before, ['settings']);
    expect(fired).toEqual([]);
  });

  it('fires when the observed path is created or removed', () => {
    const registry = new ObserverRegistry();
    const fired = watch(registry, 'user.email');
    const withEmail = { ...before, user: { ...user, email: 'a@b.c' } };
    notify(registry, before, withEmail, ['user.email']);
    notify(registry, withEmail, before, ['user.email']);
    expect(fired.map((f) => [f.change.previous, f.value])).toEqual([
      [undefined, 'a@b.c'],
      ['a@b.c', undefined],
    ]);
  });

  it('only examines observers overlapping the transition paths', () => {
    const registry = new ObserverRegistry();
    const fired = watch(registry, 'settings.theme');
    // The contract says `paths` covers every change; a path outside it is not looked at.
    notify(registry, before, { ...before, settings: { theme: 'light' } }, ['user']);
    expect(fired).toEqual([]);
  });

  it("'' observes the whole document once per transition", () => {
    const registry = new ObserverRegistry();
    const fired = watch(registry, '');
    const after = { ...before, user: { ...user, age: 1 }, settings: { theme: 'x' } };
    notify(registry, before, after, ['user.age', 'settings.theme']);
    expect(fired).toHaveLength(1);
    expect(fired[0]!.value).toBe(after);
    expect(fired[0]!.change.path).toBe('');
  });

  it('indexes arrays with numeric segments', () => {
    const registry = new ObserverRegistry();
    const second = watch(registry, 'items.1');
    const first = watch(registry, 'items.0.x');
    const b = { items: [{ x: 1 }, { x: 2 }] };
    notify(registry, b, { items: [b.items[0]!, { x: 3 }] }, ['items']);
    expect(second.map((f) => f.value)).toEqual([{ x: 3 }]);
    expect(first).toEqual([]);
  });
});

describe('ObserverRegistry: wildcards', () => {
  const before: JsonObject = {
    users: { u1: { name: 'Ada' }, u2: { name: 'Bob' }, u3: { name: 'Cy' } },
  };
  const users = before.users as JsonObject;

  it('fires once per concrete path that changed, naming it in change.path', () => {
    const registry = new ObserverRegistry();
    const fired = watch(registry, 'users.*.name');
    const after = {
      users: { u1: { name: 'Ann' }, u2: users.u2!, u3: { name: 'Cy' }, u4: { name: 'Di' } },
    };
    notify(registry, before, after, ['users.u1.name', 'users.u3', 'users.u4', 'users']);
    expect(fired.map((f) => [f.change.path, f.value])).toEqual([
      ['users.u1.name', 'Ann'],
      ['users.u4.name', 'Di'],
    ]);
  });

  it('sees deletions: keys come from both states', () => {
    const registry = new ObserverRegistry();
    const fired = watch(registry, 'users.*.name');
    const { u2: _gone, ...rest } = users;
    notify(registry, before, { users: rest }, ['users.u2']);
    expect(fired.map((f) => [f.change.path, f.change.previous, f.value])).toEqual([
      ['users.u2.name', 'Bob', undefined],
    ]);
  });

  it('matches array elements and a trailing wildcard', () => {
    const registry = new ObserverRegistry();
    const xs = watch(registry, 'list.*.x');
    const all = watch(registry, 'list.*');
    const b = { list: [{ x: 1 }, { x: 2 }] };
    notify(registry, b, { list: [{ x: 1 }, { x: 5 }, { x: 6 }] }, ['list']);
    expect(xs.map((f) => [f.change.path, f.value])).toEqual([
      ['list.1.x', 5],
      ['list.2.x', 6],
    ]);
    expect(all.map((f) => f.change.path)).toEqual(['list.1', 'list.2']);
  });

  it('treats a document key that is literally * like any other key', () => {
    const registry = new ObserverRegistry();
    const wildcard = watch(registry, 'a.*');
    const b = { a: { '*': 1, k: 1 } };
    notify(registry, b, { a: { '*': 2, k: 1 } }, ['a.*']);
    expect(wildcard.map((f) => [f.change.path, f.value])).toEqual([['a.*', 2]]);
  });
});

describe('ObserverRegistry: subscription lifecycle and errors', () => {
  const before: JsonObject = { a: 1, b: 1 };
  const after: JsonObject = { a: 2, b: 2 };

  it('counts observers and unsubscribes idempotently', () => {
    const registry = new ObserverRegistry();
    const fired: unknown[] = [];
    const stop = registry.observe('a', (v) => fired.push(v));
    const stopOther = registry.observe('a', (v) => fired.push(v));
    expect(registry.size).toBe(2);
    stop();
    stop();
    expect(registry.size).toBe(1);
    notify(registry, before, after, ['a']);
    expect(fired).toEqual([2]);
    stopOther();
    expect(registry.size).toBe(0);
  });

  it('lets a callback unsubscribe another observer that has not fired yet', () => {
    const registry = new ObserverRegistry();
    const calls: string[] = [];
    let stopSecond = (): void => {};
    registry.observe('a', () => {
      calls.push('first');
      stopSecond();
    });
    stopSecond = registry.observe('b', () => calls.push('second'));
    notify(registry, before, after, ['a', 'b']);
    expect(calls).toEqual(['first']);
  });

  it('stops a wildcard observer that unsubscribes itself mid-transition', () => {
    const registry = new ObserverRegistry();
    const paths: string[] = [];
    const stop = registry.observe('*', (_v, change) => {
      paths.push(change.path);
      stop();
    });
    notify(registry, before, after, ['a', 'b']);
    expect(paths).toEqual(['a']);
  });

  it('does not tell an observer added during notify about the current transition', () => {
    const registry = new ObserverRegistry();
    const late: unknown[] = [];
    registry.observe('a', () => {
      registry.observe('b', (v) => late.push(v));
    });
    notify(registry, before, after, ['a', 'b']);
    expect(late).toEqual([]);
  });

  it('reports a throwing callback to onError and still runs the others', () => {
    const errors: Array<[unknown, string]> = [];
    const registry = new ObserverRegistry({ onError: (e, p) => errors.push([e, p]) });
    const boom = new Error('boom');
    const fired: unknown[] = [];
    registry.observe('a', () => {
      throw boom;
    });
    registry.observe('b', (v) => fired.push(v));
    expect(() => notify(registry, before, after, ['a', 'b'])).not.toThrow();
    expect(errors).toEqual([[boom, 'a']]);
    expect(fired).toEqual([2]);
  });

  it('survives an onError hook that throws', () => {
    const registry = new ObserverRegistry({
      onError: () => {
        throw new Error('hook');
      },
    });
    const fired: unknown[] = [];
    registry.observe('a', () => {
      throw new Error('cb');
    });
    registry.observe('a', (v) => fired.push(v));
    expect(() => notify(registry, before, after, ['a'])).not.toThrow();
    expect(fired).toEqual([2]);
  });

  it('queues a transition notified from inside a callback until the current one is done', () => {
    const registry = new ObserverRegistry();
    const seen: string[] = [];
    const third: JsonObject = { a: 3, b: 2 };
    registry.observe('a', (v) => {
      seen.push(`a=${v}`);
      if (v === 2) registry.notify({ before: after, after: third, paths: ['a'] }, meta);
    });
    registry.observe('b', (v) => seen.push(`b=${v}`));
    notify(registry, before, after, ['a', 'b']);
    expect(seen).toEqual(['a=2', 'b=2', 'a=3']);
  });

  it('fires observers in subscription order', () => {
    const registry = new ObserverRegistry();
    const order: string[] = [];
    registry.observe('b', () => order.push('b'));
    registry.observe('', () => order.push('root'));
    registry.observe('a', () => order.push('a'));
    notify(registry, before, after, ['a', 'b']);
    expect(order).toEqual(['b', 'root', 'a']);
  });

  it('rejects patterns with empty segments and non-function callbacks', () => {
    const registry = new ObserverRegistry();
    for (const bad of ['a..b', '.a', 'a.']) {
      expect(() => registry.observe(bad, () => {})).toThrow(MemSyncError);
    }
    expect(() => registry.observe('a', 42 as never)).toThrow(MemSyncError);
    expect(registry.size).toBe(0);
  });
});
