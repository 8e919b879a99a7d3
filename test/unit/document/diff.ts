import type { JsonValue } from '../../../src/types.js';

/**
 * Paths where two JSON values differ: the deepest differing field, or an array's own path
 * when its length changed. Used to check that reported change paths cover every change.
 */
export function diffPaths(
  a: JsonValue | undefined,
  b: JsonValue | undefined,
  prefix = '',
): string[] {
  if (a === b) return [];
  const join = (key: string) => (prefix === '' ? key : `${prefix}.${key}`);
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return [prefix];
    return a.flatMap((item, i) => diffPaths(item, b[i], join(String(i))));
  }
  const isObject = (v: unknown): v is Record<string, JsonValue> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((key) => diffPaths(a[key], b[key], join(key)));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix];
}

/** One path equals the other or is an ancestor of it. */
export function overlaps(a: string, b: string): boolean {
  if (a === '' || b === '') return true;
  return a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);
}

/** Every differing path is covered by (overlaps) some reported path. */
export function uncovered(
  before: JsonValue,
  after: JsonValue,
  reported: readonly string[],
): string[] {
  return diffPaths(before, after).filter((d) => !reported.some((p) => overlaps(d, p)));
}
