import { isEqual } from 'mingo/util';
import type { JsonObject, JsonValue } from '../types.js';
import { splitDotted } from './paths.js';

/**
 * `$set`, `$inc` and `$unset` on plain object paths, done directly: the commonest patches,
 * where mingo's general path machinery (positional segments, array descent, parameter
 * building) costs more than the write itself and most of the allocations of a patch.
 * Semantics are mingo's for these paths: missing objects along the path are created
 * (`$set`/`$inc`), a `$set` of an equal value and a `$inc` by 0 change nothing, `$unset` of a
 * missing field changes nothing. Anything else — a numeric or `$` segment, an array or a
 * scalar along the path — returns undefined before touching anything, and mingo runs it.
 * Runs on a root already made private by copy-on-write along every written path.
 */
export type FastRun = (expr: Record<string, JsonValue>, root: JsonObject) => string[] | undefined;

const DIGITS = /^\d+$/;

/** The containers along each path are plain objects or missing: the fast path applies. */
function plainPaths(paths: readonly string[], root: JsonObject): boolean {
  for (const path of paths) {
    if (path.includes('$')) return false;
    let node: JsonValue | undefined = root;
    const segments = splitDotted(path);
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i]!;
      if (DIGITS.test(segment)) return false;
      if (node === undefined || node === null) continue; // created on the way (or absent for $unset)
      if (typeof node !== 'object' || Array.isArray(node)) return false;
      node = i < segments.length - 1 ? node[segment] : undefined;
    }
  }
  return true;
}

/** The object holding the last segment, creating missing objects when `build` is set. */
function holder(root: JsonObject, segments: readonly string[], build: boolean): JsonObject | undefined {
  let node = root;
  for (let i = 0; i < segments.length - 1; i++) {
    const key = segments[i]!;
    let next = node[key];
    if (next === undefined || next === null) {
      if (!build) return undefined;
      next = {};
      node[key] = next;
    }
    node = next as JsonObject;
  }
  return node;
}

function fast(write: (holder: JsonObject, key: string, arg: JsonValue) => boolean, build: boolean): FastRun {
  return (expr, root) => {
    const paths = Object.keys(expr);
    if (!plainPaths(paths, root)) return undefined;
    let changed: string[] | undefined;
    for (const path of paths) {
      const segments = splitDotted(path);
      const parent = holder(root, segments, build);
      if (!parent || !write(parent, segments[segments.length - 1]!, expr[path]!)) continue;
      // A literal for the first: an empty array grown by push reserves 17 slots.
      if (changed === undefined) changed = [path];
      else changed.push(path);
    }
    if (changed === undefined) return [];
    return changed.length > 1 ? changed.sort() : changed;
  };
}

export const fastSet = fast((parent, key, value) => {
  if (isEqual(parent[key], value)) return false;
  // The value is the patch's own validated copy; roots are never mutated in place, so it
  // may be shared with the patch (and with the optimistic view) as it is.
  parent[key] = value;
  return true;
}, true);

export const fastInc = fast((parent, key, amount) => {
  const previous = parent[key];
  const next = ((previous as number | undefined) ?? 0) + (amount as number);
  parent[key] = next;
  return next !== previous;
}, true);

export const fastUnset = fast((parent, key) => {
  if (!Object.hasOwn(parent, key)) return false;
  delete parent[key];
  return true;
}, false);
