import type { JsonValue } from '../types.js';
import { jsonEqual } from './json-equal.js';
import { childKeys, childOf, childPath, WILDCARD } from './paths.js';

/** One concrete path whose value differs between two document states. */
export interface ValueChange {
  path: string;
  previous: JsonValue | undefined;
  value: JsonValue | undefined;
}

/**
 * Finds the concrete paths matched by `segments` whose values differ between `before` and
 * `after`, appending each to `out` once (paths already in `seen` are skipped).
 *
 * `*` segments expand over the keys of both states, so a deleted key is seen as well as an
 * added one (a key that is literally `*` is among them). Identical references are pruned at
 * once: the states are copy-on-write, so a shared subtree cannot hold a change.
 */
export function collectValueChanges(
  before: JsonValue | undefined,
  after: JsonValue | undefined,
  segments: readonly string[],
  seen: Set<string> | undefined,
  out: ValueChange[],
): void {
  expand(before, after, '', 0);

  function expand(
    previous: JsonValue | undefined,
    value: JsonValue | undefined,
    path: string,
    index: number,
  ): void {
    if (previous === value) return;
    if (index === segments.length) {
      if (seen !== undefined) {
        if (seen.has(path)) return;
        seen.add(path);
      }
      if (!jsonEqual(previous, value)) out.push({ path, previous, value });
      return;
    }
    const segment = segments[index]!;
    if (segment !== WILDCARD) {
      expand(
        childOf(previous, segment),
        childOf(value, segment),
        childPath(path, segment),
        index + 1,
      );
      return;
    }
    for (const key of unionOfKeys(previous, value)) {
      // A key holding a dot cannot be named by a dotted path, so no observer can address it.
      if (key.includes('.')) continue;
      expand(childOf(previous, key), childOf(value, key), childPath(path, key), index + 1);
    }
  }
}

/**
 * The same for a pattern without `*`: one concrete path, `path` itself, so no path strings
 * are built on the way down. Returns the change, or undefined when the value is the same.
 */
export function plainValueChange(
  before: JsonValue | undefined,
  after: JsonValue | undefined,
  segments: readonly string[],
  path: string,
): ValueChange | undefined {
  let previous = before;
  let value = after;
  for (let i = 0; i < segments.length; i++) {
    if (previous === value) return undefined;
    previous = childOf(previous, segments[i]!);
    value = childOf(value, segments[i]!);
  }
  if (previous === value || jsonEqual(previous, value)) return undefined;
  return { path, previous, value };
}

function unionOfKeys(a: JsonValue | undefined, b: JsonValue | undefined): string[] {
  const keys = childKeys(a);
  const known = new Set(keys);
  for (const key of childKeys(b)) {
    if (!known.has(key)) keys.push(key);
  }
  return keys;
}
