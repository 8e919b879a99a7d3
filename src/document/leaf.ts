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
  /**
   * Segments below `holder[key]` that do not exist yet: a building operator creates them
   * (see {@link materialize}) when it writes, so created fields land in write order.
   */
  readonly missing?: readonly string[];
}

/**
 * The leaf itself, creating the objects a building write needs down to it. Two writes may
 * share a missing ancestor (`c.x`, `c.y`): the second finds the first one's object, made
 * for this patch, and writes into it.
 */
export function materialize(leaf: Leaf): Leaf {
  const missing = leaf.missing;
  if (missing === undefined) return leaf;
  let holder = readLeaf(leaf) as JsonObject | undefined;
  if (holder === undefined) {
    holder = {};
    writeLeaf(leaf, holder);
  }
  for (let i = 0; i < missing.length - 1; i++) {
    const key = missing[i]!;
    let next = holder[key] as JsonObject | undefined;
    if (next === undefined) {
      next = {};
      holder[key] = next;
    }
    holder = next;
  }
  return { holder, key: missing[missing.length - 1]! };
}

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

/**
 * A shallow copy of an array. Spread, not `slice()` nor `filter()`: on a frozen array (every
 * array of a state is) V8's `slice` and `filter` leave their fast path and run some 30 times
 * slower; spreading does not (measured on Node 20).
 */
export function copyArray<T>(array: readonly T[]): T[] {
  return [...array];
}
