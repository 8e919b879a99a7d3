import type { JsonValue } from '../types.js';
import { isJsonObject } from './paths.js';

/**
 * Deep equality of two JSON values. Object key order does not matter; array order does.
 * Reference equality is checked first at every level, so unchanged copy-on-write subtrees
 * cost nothing to compare.
 */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      if (!jsonEqual(a[i], b[i])) return false;
    }
    return true;
  }
  if (isJsonObject(a)) {
    if (!isJsonObject(b)) return false;
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    for (const key of keys) {
      if (!Object.hasOwn(b, key) || !jsonEqual(a[key], b[key])) return false;
    }
    return true;
  }
  // Primitives that are not === differ; JSON has no NaN, so no special case for it.
  return false;
}
