import type { JsonObject, JsonValue } from '../types.js';
import type { ConditionCache } from './conditions.js';

/** An object or an array of the document. */
export type Container = JsonObject | JsonValue[];

/**
 * One place an operator writes: a container owned by the patch (copy-on-write made it) and
 * a key in it. A `$[]` path has one leaf per element it reaches; a plain path one or none.
 */
export interface Leaf {
  readonly holder: Container;
  readonly key: string | number;
}

/** What an operator may consult besides the leaf and its argument. */
export interface ApplyContext {
  /** Compiled conditions (`$pull` with a condition). */
  readonly conditions: ConditionCache;
}

/**
 * Writes one operator's argument at one leaf; returns whether the document changed. It
 * replaces `holder[key]` and never changes the value found there in place: that value may
 * be shared with older roots.
 */
export type LeafApply = (leaf: Leaf, arg: JsonValue, context: ApplyContext) => boolean;

/** The value at a leaf, own properties only. */
export function readLeaf(leaf: Leaf): JsonValue | undefined {
  const { holder, key } = leaf;
  if (Array.isArray(holder)) return typeof key === 'number' ? holder[key] : undefined;
  return Object.hasOwn(holder, key) ? holder[key] : undefined;
}

export function writeLeaf(leaf: Leaf, value: JsonValue): void {
  (leaf.holder as Record<string | number, JsonValue>)[leaf.key] = value;
}

/** The name MongoDB's messages give a value's type. */
export function typeName(value: JsonValue): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}
