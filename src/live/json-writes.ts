import { MemSyncError } from '../errors.js';
import { isArrayIndex, isJsonObject } from '../observe/paths.js';
import type { JsonValue } from '../types.js';

/** One write the live object collects: what `$set`, `$unset` and `$push` with `$each` do. */
export type Write =
  | { readonly kind: 'set'; readonly value: JsonValue }
  | { readonly kind: 'unset' }
  | { readonly kind: 'push'; readonly values: readonly JsonValue[] };

/**
 * Applies a write at `segments` below `root`, copy-on-write: containers along the path are
 * new, everything else is shared, and nothing given is mutated. Follows MongoDB: missing
 * containers are created as objects, an index past the end pads with `null`, unsetting an
 * array element sets it to `null`, `$push` onto a missing field creates the array, and
 * unsetting what is not there changes nothing (the same root comes back). `undefined` stands
 * for "nothing there", as root or as result (an unset with no segments removes the root).
 * @throws MemSyncError `ERR_INVALID_PATH` when the path runs through a primitive or pushes onto a non-array.
 */
export function applyWrite(
  root: JsonValue | undefined,
  segments: readonly string[],
  write: Write,
): JsonValue | undefined {
  if (write.kind === 'unset') {
    return segments.length === 0 || root === undefined ? undefined : unsetAt(root, segments, 0);
  }
  return putAt(root, segments, 0, (old) => {
    if (write.kind === 'set') return write.value;
    if (old === undefined) return [...write.values];
    if (Array.isArray(old)) return [...old, ...write.values];
    throw new MemSyncError('ERR_INVALID_PATH', `live: cannot push onto '${segments.join('.')}': it is not an array`);
  });
}

function putAt(
  node: JsonValue | undefined,
  segments: readonly string[],
  index: number,
  produce: (old: JsonValue | undefined) => JsonValue,
): JsonValue {
  if (index === segments.length) return produce(node);
  const segment = segments[index]!;
  if (Array.isArray(node)) {
    if (!isArrayIndex(segment)) throw blocked(segments, index, 'an array');
    const position = Number(segment);
    const copy = [...node];
    while (copy.length < position) copy.push(null);
    copy[position] = putAt(node[position], segments, index + 1, produce);
    return copy;
  }
  if (isJsonObject(node)) {
    const child = Object.hasOwn(node, segment) ? node[segment] : undefined;
    return { ...node, [segment]: putAt(child, segments, index + 1, produce) };
  }
  if (node === undefined) return { [segment]: putAt(undefined, segments, index + 1, produce) };
  throw blocked(segments, index, JSON.stringify(node));
}

function unsetAt(node: JsonValue, segments: readonly string[], index: number): JsonValue {
  const segment = segments[index]!;
  const last = index === segments.length - 1;
  if (Array.isArray(node)) {
    if (!isArrayIndex(segment) || Number(segment) >= node.length) return node;
    const position = Number(segment);
    const next = last ? null : unsetAt(node[position]!, segments, index + 1);
    if (next === node[position]) return node;
    const copy = [...node];
    copy[position] = next;
    return copy;
  }
  if (!isJsonObject(node) || !Object.hasOwn(node, segment)) return node;
  if (last) {
    const { [segment]: _removed, ...rest } = node;
    return rest;
  }
  const child = node[segment]!;
  const next = unsetAt(child, segments, index + 1);
  return next === child ? node : { ...node, [segment]: next };
}

function blocked(segments: readonly string[], index: number, found: string): MemSyncError {
  const at = segments.slice(0, index).join('.') || '(root)';
  return new MemSyncError(
    'ERR_INVALID_PATH',
    `live: cannot write '${segments.join('.')}': '${at}' holds ${found}, which cannot contain '${segments[index]}'`,
  );
}
