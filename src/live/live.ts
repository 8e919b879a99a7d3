import { MemSyncError } from '../errors.js';
import { isArrayIndex, isJsonObject } from '../observe/paths.js';
import type { JsonValue } from '../types.js';
import { type ArrayMutatorName, arrayMutator, isArrayMutator } from './array-mutators.js';
import { assertPathKey, copyJsonValue, detachedCopy } from './json-copy.js';
import { LiveSession, type LiveSource } from './live-session.js';

/**
 * A plain-looking object over a document: reads always show the source's current data,
 * and assignments, `delete` and array mutations made in one tick are collected into one
 * update (`$set`, `$unset`, `$push` with `$each`), sent through `source.patch` in a microtask.
 *
 * - Nested reads return nested live objects that find their value by path on every access,
 *   never a stale copy; primitives come back as they are. A read in the same tick as a write
 *   sees the write.
 * - Writes to the same path in one tick collapse (the last wins); a write under a path already
 *   being set is merged into that value.
 * - `push` becomes `$push` (concurrent pushes from other writers are all kept). `arr[i] = v`
 *   becomes `$set 'arr.i'`. `pop`, `shift`, `unshift`, `splice`, `sort`, `reverse` and
 *   shrinking `length` become a `$set` of the whole array as it reads now. `delete arr[i]`
 *   sets the element to `null`, as MongoDB's `$unset` does.
 * - Assigned values are deep-copied. Assigning something that is not JSON, or a key that is
 *   reserved (`__proto__`, `constructor`, `prototype`), empty, dotted or `$`-prefixed, throws
 *   a MemSyncError at the assignment (`ERR_INVALID_VALUE`); so does an index past the end of an
 *   array (JSON arrays have no holes: `ERR_INVALID_PATH`). Assigning `undefined` to a property deletes it.
 * - A failed patch (rejected promise or thrown error) goes to `onError`.
 *
 * @param onError Told when a flushed patch fails. @default reports to `console.error`
 * @example
 * const state = createLive(mem);
 * state.user.name = 'Ada';
 * state.todos.push({ title: 'write docs' });
 * // one patch: { $set: { 'user.name': 'Ada' }, $push: { todos: { $each: [{ title: 'write docs' }] } } }
 */
export function createLive<T extends object>(
  source: LiveSource<T>,
  onError: (error: unknown) => void = reportToConsole,
): T {
  const session = new LiveSession(source, onError);
  return liveProxy(session, [], Array.isArray(source.data)) as T;
}

function liveProxy(session: LiveSession, segments: readonly string[], isArray: boolean): object {
  const where = segments.length === 0 ? '(root)' : segments.join('.');
  const pathOf = (key: string): string[] => [...segments, key];
  const wrap = (value: JsonValue | undefined, key: string): unknown =>
    isContainer(value) ? liveProxy(session, pathOf(key), Array.isArray(value)) : value;
  const mutators = new Map<ArrayMutatorName, (...args: unknown[]) => unknown>();

  const mutator = (name: ArrayMutatorName): ((...args: unknown[]) => unknown) => {
    let fn = mutators.get(name);
    if (fn === undefined) {
      fn = arrayMutator(name, {
        session,
        segments,
        self: proxy,
        element: (index) => Reflect.get(proxy, String(index)),
      });
      mutators.set(name, fn);
    }
    return fn;
  };

  const assign = (key: string, next: unknown): void => {
    const value = session.read(segments);
    if (Array.isArray(value)) {
      if (key === 'length') {
        setLength(value, next);
        return;
      }
      if (!isArrayIndex(key)) {
        throw new MemSyncError(
          'ERR_INVALID_PATH',
          `live: '${where}' is an array: only index keys can be set, not '${key}'`,
        );
      }
      if (Number(key) > value.length) {
        throw new MemSyncError(
          'ERR_INVALID_PATH',
          `live: index ${key} is past the end of '${where}' (length ${value.length}): JSON arrays have no holes`,
        );
      }
      session.write(pathOf(key), { kind: 'set', value: copyJsonValue(next, `${where}.${key}`) });
      return;
    }
    if (!isJsonObject(value)) {
      throw new MemSyncError('ERR_INVALID_PATH', `live: cannot set '${key}': '${where}' holds ${describe(value)}`);
    }
    assertPathKey(key, where);
    if (next === undefined) {
      remove(key);
      return;
    }
    session.write(pathOf(key), { kind: 'set', value: copyJsonValue(next, `${where}.${key}`) });
  };

  const setLength = (array: JsonValue[], next: unknown): void => {
    if (typeof next !== 'number' || !Number.isInteger(next) || next < 0) {
      throw new MemSyncError('ERR_INVALID_VALUE', `live: invalid array length for '${where}'`);
    }
    if (next > array.length) {
      throw new MemSyncError('ERR_INVALID_VALUE', `live: cannot grow '${where}' by its length: JSON arrays have no holes`);
    }
    if (next < array.length) session.write(segments, { kind: 'set', value: array.slice(0, next) });
  };

  const remove = (key: string): void => {
    const value = session.read(segments);
    if (Array.isArray(value)) {
      if (key === 'length') throw new MemSyncError('ERR_INVALID_PATH', `live: cannot delete the length of '${where}'`);
      if (isArrayIndex(key) && Number(key) < value.length) {
        session.write(pathOf(key), { kind: 'set', value: null });
      }
      return;
    }
    if (isJsonObject(value) && Object.hasOwn(value, key)) {
      assertPathKey(key, where);
      session.write(pathOf(key), { kind: 'unset' });
    }
  };

  const childDescriptor = (value: unknown): PropertyDescriptor => ({
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });

  const handler: ProxyHandler<object> = {
    get(target, key) {
      const value = session.read(segments);
      if (typeof key === 'symbol') return Reflect.get(isContainer(value) ? value : target, key);
      if (Array.isArray(value)) {
        if (key === 'length') return value.length;
        if (isArrayIndex(key)) return wrap(value[Number(key)], key);
        if (isArrayMutator(key)) return mutator(key);
        return Reflect.get(value, key);
      }
      if (isJsonObject(value)) {
        if (!Object.hasOwn(value, key)) return Reflect.get(value, key);
        const child = value[key];
        // A key holding a dot cannot be reached by path: hand out a detached copy.
        return key.includes('.') ? detachedCopy(child) : wrap(child, key);
      }
      return undefined;
    },
    set(_target, key, next) {
      if (typeof key === 'symbol') throw new MemSyncError('ERR_INVALID_PATH', 'live: symbol keys cannot be set');
      assign(key, next);
      return true;
    },
    deleteProperty(_target, key) {
      if (typeof key === 'symbol') throw new MemSyncError('ERR_INVALID_PATH', 'live: symbol keys cannot be deleted');
      remove(key);
      return true;
    },
    defineProperty() {
      throw new MemSyncError('ERR_INVALID_ARGUMENT', 'live: use assignment, not defineProperty');
    },
    has(target, key) {
      const value = session.read(segments);
      return Reflect.has(isContainer(value) ? value : target, key);
    },
    ownKeys() {
      const value = session.read(segments);
      const keys = Array.isArray(value)
        ? value.map((_, index) => String(index))
        : isJsonObject(value)
          ? Object.keys(value)
          : [];
      // The array target's own `length` must be listed (a Proxy invariant).
      if (isArray) keys.push('length');
      return keys;
    },
    getOwnPropertyDescriptor(_target, key) {
      if (typeof key === 'symbol') return undefined;
      const value = session.read(segments);
      if (isArray && key === 'length') {
        const length = Array.isArray(value) ? value.length : 0;
        // Matches the array target's own non-configurable `length` (a Proxy invariant).
        return { value: length, writable: true, enumerable: false, configurable: false };
      }
      if (Array.isArray(value)) {
        return isArrayIndex(key) && Number(key) < value.length
          ? childDescriptor(wrap(value[Number(key)], key))
          : undefined;
      }
      if (isJsonObject(value) && Object.hasOwn(value, key)) {
        return childDescriptor(Reflect.get(proxy, key));
      }
      return undefined;
    },
    getPrototypeOf(target) {
      const value = session.read(segments);
      return isContainer(value) ? Object.getPrototypeOf(value) : Reflect.getPrototypeOf(target);
    },
    setPrototypeOf() {
      return false;
    },
    preventExtensions() {
      return false;
    },
  };

  const proxy: object = new Proxy(isArray ? [] : {}, handler);
  return proxy;
}

function isContainer(value: unknown): value is JsonValue[] | { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null;
}

function describe(value: JsonValue | undefined): string {
  return value === undefined ? 'nothing' : `${JSON.stringify(value)}, not an object or array`;
}

function reportToConsole(error: unknown): void {
  console.error('memsync: a live patch failed', error);
}
