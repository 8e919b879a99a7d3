import type { JsonValue } from '../types.js';

/**
 * Equality and order of JSON values as MongoDB judges BSON values, for the operators that
 * compare them (`$set`'s no-op check, `$addToSet`, `$pull`, `$pullAll`, `$min`, `$max`,
 * `$push`'s `$sort`).
 *
 * Equality is exact, as the server's binary comparison: embedded documents are equal only
 * with the same fields in the same order (mingo's `isEqual` ignores field order), arrays
 * element by element. Numbers compare by value (`0` equals `-0`, which JSON cannot tell
 * apart anyway).
 */
export function bsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!bsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  for (let i = 0; i < keysA.length; i++) {
    const key = keysA[i]!;
    if (key !== keysB[i] || !bsonEqual(a[key], b[key])) return false;
  }
  return true;
}

/**
 * MongoDB's comparison order of BSON types, restricted to what JSON holds: null (and a
 * missing value) < numbers < strings < objects < arrays < booleans.
 */
function typeRank(value: JsonValue | undefined): number {
  if (value === undefined || value === null) return 1;
  switch (typeof value) {
    case 'number':
      return 2;
    case 'string':
      return 3;
    case 'boolean':
      return 8;
    default:
      return Array.isArray(value) ? 5 : 4;
  }
}

/**
 * The server's order of two values: negative, zero or positive. Strings compare by UTF-16
 * code unit (the server compares UTF-8 bytes under the simple collation; the two orders
 * differ only between supplementary characters and U+E000-U+FFFF). Documents compare field
 * by field (type, then name, then value); arrays element by element; the shorter first.
 */
export function bsonCompare(a: JsonValue | undefined, b: JsonValue | undefined): number {
  const rank = typeRank(a) - typeRank(b);
  if (rank !== 0) return rank;
  if (a === undefined || a === null || b === undefined || b === null) return 0;
  switch (typeof a) {
    case 'number':
      return (a as number) - (b as number);
    case 'string':
      return a < (b as string) ? -1 : a > (b as string) ? 1 : 0;
    case 'boolean':
      return Number(a) - Number(b);
    default:
      break;
  }
  if (Array.isArray(a)) {
    const other = b as JsonValue[];
    for (let i = 0; i < a.length && i < other.length; i++) {
      const order = bsonCompare(a[i], other[i]);
      if (order !== 0) return order;
    }
    return a.length - other.length;
  }
  const objA = a as Record<string, JsonValue>;
  const objB = b as Record<string, JsonValue>;
  const keysA = Object.keys(objA);
  const keysB = Object.keys(objB);
  for (let i = 0; i < keysA.length && i < keysB.length; i++) {
    const ka = keysA[i]!;
    const kb = keysB[i]!;
    const byType = typeRank(objA[ka]) - typeRank(objB[kb]);
    if (byType !== 0) return byType;
    if (ka !== kb) return ka < kb ? -1 : 1;
    const order = bsonCompare(objA[ka], objB[kb]);
    if (order !== 0) return order;
  }
  return keysA.length - keysB.length;
}
