import { MemSyncError } from '../errors.js';
import type { JsonValue } from '../types.js';

/** Keys that reach an object's prototype machinery: refused at the assignment site. */
const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Refuses a property name that cannot become one segment of a dotted path: reserved names,
 * the empty string, names holding a dot (they would split into two segments) and names
 * starting with `$` (they would read as positional operators).
 * @throws MemSyncError (`ERR_RESERVED_KEY`, `ERR_INVALID_PATH`) naming the property and why.
 */
export function assertPathKey(key: string, where: string): void {
  if (RESERVED_KEYS.has(key)) {
    throw new MemSyncError('ERR_RESERVED_KEY', `live: cannot assign '${key}' at '${where}': the key is reserved`);
  }
  if (key === '' || key.includes('.') || key.startsWith('$')) {
    throw new MemSyncError(
      'ERR_INVALID_PATH',
      `live: cannot assign '${key}' at '${where}': a key must be non-empty, without '.', not starting with '$'`,
    );
  }
}

/**
 * Checks that `value` is JSON and returns a deep copy of it, so later changes to the caller's
 * objects cannot reach the document. `undefined` object properties are dropped, as
 * `JSON.stringify` drops them; `undefined` in an array (or a hole) is refused. `-0` becomes `0`
 * because that is what every other replica will receive.
 * @throws MemSyncError `ERR_INVALID_VALUE` for functions, symbols, bigints, non-finite numbers, class instances,
 * cycles and reserved keys, naming the path where it was found.
 */
export function copyJsonValue(value: unknown, where: string): JsonValue {
  return copy(value, where, new Set());
}

function copy(value: unknown, where: string, ancestors: Set<object>): JsonValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw notJson(where, String(value));
      return value === 0 ? 0 : value;
    case 'object':
      break;
    default:
      throw notJson(where, typeof value);
  }
  if (value === null) return null;
  if (ancestors.has(value)) throw notJson(where, 'a cycle');
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      const out: JsonValue[] = [];
      for (let i = 0; i < value.length; i++) {
        const element: unknown = value[i];
        if (element === undefined) throw notJson(`${where}.${i}`, 'undefined in an array');
        out.push(copy(element, `${where}.${i}`, ancestors));
      }
      return out;
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw notJson(where, `an instance of ${describeClass(value)}`);
    }
    const out: { [key: string]: JsonValue } = {};
    for (const [key, child] of Object.entries(value)) {
      if (RESERVED_KEYS.has(key)) {
        throw new MemSyncError('ERR_RESERVED_KEY', `live: the key '${key}' at '${where}' is reserved`);
      }
      if (child === undefined) continue;
      out[key] = copy(child, `${where}.${key}`, ancestors);
    }
    return out;
  } finally {
    ancestors.delete(value);
  }
}

function notJson(where: string, what: string): MemSyncError {
  return new MemSyncError('ERR_INVALID_VALUE', `live: the value at '${where}' is not JSON (${what})`);
}

function describeClass(value: object): string {
  const name: unknown = value.constructor?.name;
  return typeof name === 'string' && name !== '' ? name : 'a class';
}

/**
 * A detached deep copy of a value read from the document, for handing out: what
 * `structuredClone` gives for JSON, and it also copies the document's chunked objects
 * (src/document/wide-root.ts: Proxies, which `structuredClone` refuses).
 */
export function detachedCopy<V>(value: V): V {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as V);
}
