import type { JsonValue } from '../types.js';

/**
 * Dotted paths as the observe and live layers use them: `'a.b.0.c'`, with `''` naming the
 * whole document. Numeric segments index arrays; `*` in a pattern matches exactly one segment.
 */

/** The segment that, in an observe pattern, matches any one segment. */
export const WILDCARD = '*';

const ARRAY_INDEX = /^(?:0|[1-9]\d*)$/;

/** Splits a dotted path into segments; `''` (the root) has none. */
export function splitPath(path: string): string[] {
  return path === '' ? [] : path.split('.');
}

/** Joins segments back into a dotted path; no segments give `''`. */
export function joinPath(segments: readonly string[]): string {
  return segments.join('.');
}

/** The path of `key` under `parent`, where `parent` may be the root `''`. */
export function childPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

/** True for a canonical array index segment: `'0'`, `'17'`, not `'01'`, `'-1'` or `'1.5'`. */
export function isArrayIndex(segment: string): boolean {
  return ARRAY_INDEX.test(segment);
}

/** True for a JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The child of a JSON value under one segment, or `undefined`.
 * Only own properties count, so `'constructor'` or `'length'` never reach a prototype.
 */
export function childOf(value: JsonValue | undefined, segment: string): JsonValue | undefined {
  if (Array.isArray(value)) {
    return isArrayIndex(segment) ? value[Number(segment)] : undefined;
  }
  if (isJsonObject(value)) {
    return Object.hasOwn(value, segment) ? value[segment] : undefined;
  }
  return undefined;
}

/** The keys under which a JSON value has children: indices of an array, own keys of an object. */
export function childKeys(value: JsonValue | undefined): string[] {
  if (Array.isArray(value)) return Array.from(value, (_, index) => String(index));
  if (isJsonObject(value)) return Object.keys(value);
  return [];
}

/** The value at a dotted path (or its segments), or `undefined` when any step is missing. */
export function getAt(
  root: JsonValue | undefined,
  path: string | readonly string[],
): JsonValue | undefined {
  const segments = typeof path === 'string' ? splitPath(path) : path;
  let value = root;
  for (const segment of segments) {
    if (value === undefined) return undefined;
    value = childOf(value, segment);
  }
  return value;
}

/** True when `ancestor` is `path` itself or one of its ancestors, segment by segment. */
export function isAncestorOrSelf(ancestor: string, path: string): boolean {
  if (ancestor === '' || ancestor === path) return true;
  return path.startsWith(ancestor) && path.charAt(ancestor.length) === '.';
}

/** True when two paths overlap: the same path, or one is an ancestor of the other. */
export function pathsOverlap(a: string, b: string): boolean {
  return isAncestorOrSelf(a, b) || isAncestorOrSelf(b, a);
}

/**
 * True when a pattern (which may hold `*` segments) overlaps a concrete path: some path the
 * pattern matches is the path itself, an ancestor or a descendant of it.
 */
export function patternOverlaps(pattern: string, path: string): boolean {
  const patternSegments = splitPath(pattern);
  const pathSegments = splitPath(path);
  const shared = Math.min(patternSegments.length, pathSegments.length);
  for (let i = 0; i < shared; i++) {
    const expected = patternSegments[i];
    if (expected !== WILDCARD && expected !== pathSegments[i]) return false;
  }
  return true;
}
