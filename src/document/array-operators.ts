import type { JsonObject, JsonValue } from '../types.js';
import { bsonCompare, bsonEqual } from './bson.js';
import { isElementCondition } from './condition-check.js';
import { isPlainObject } from './json.js';
import { type ApplyContext, copyArray, type Leaf, type LeafApply, readLeaf, writeLeaf } from './leaf.js';

/**
 * The array operators, written to the MongoDB manual rather than taken from mingo, whose
 * `$addToSet` dedupes the existing elements, whose `$pull`/`$pullAll` remove an element that
 * is an array merely containing the value, and whose equality ignores field order.
 * Validation (operator-args.ts) has checked each argument's shape; cow.ts has refused a
 * non-array at the leaf. A missing array is created only by `$push` and `$addToSet`.
 */

function isModifierSpec(arg: JsonValue): arg is JsonObject {
  return isPlainObject(arg) && Object.keys(arg).some((key) => key.startsWith('$'));
}

/** `$addToSet`: adds each value not already present; never touches existing duplicates. */
export const applyAddToSet: LeafApply = (leaf, arg) => {
  const items = isModifierSpec(arg) ? (arg.$each as JsonValue[]) : [arg];
  const current = readLeaf(leaf) as JsonValue[] | undefined;
  const next = current === undefined ? [] : copyArray(current);
  for (const item of items) if (!next.some((element) => bsonEqual(element, item))) next.push(item);
  if (current !== undefined && next.length === current.length) return false;
  writeLeaf(leaf, next);
  return true;
};

/** Where `$position` puts new elements in an array of `length`. */
function insertAt(position: number | undefined, length: number): number {
  if (position === undefined) return length;
  if (position < 0) return Math.max(0, length + position);
  return Math.min(position, length);
}

/** A sort key's value in an element; a missing one sorts as null, as in the server. */
function sortKeyOf(element: JsonValue, path: readonly string[]): JsonValue | undefined {
  let node: JsonValue | undefined = element;
  for (const segment of path) {
    if (!isPlainObject(node)) return undefined;
    node = Object.hasOwn(node, segment) ? (node as JsonObject)[segment] : undefined;
  }
  return node;
}

function sortElements(elements: JsonValue[], sort: JsonValue): void {
  if (typeof sort === 'number') {
    elements.sort((a, b) => sort * bsonCompare(a, b));
    return;
  }
  const field = Object.keys(sort as JsonObject)[0]!;
  const order = (sort as JsonObject)[field] as number;
  const path = field.split('.');
  elements.sort((a, b) => order * bsonCompare(sortKeyOf(a, path), sortKeyOf(b, path)));
}

/**
 * `$push`: appends the value (an array as one element), or with `$each` inserts them at
 * `$position`, then sorts by `$sort`, then keeps `$slice` of them, in that order whatever the
 * order of the modifiers. A missing array is created, modifiers applied.
 */
export const applyPush: LeafApply = (leaf, arg) => {
  const current = readLeaf(leaf) as JsonValue[] | undefined;
  const next = current === undefined ? [] : copyArray(current);
  if (!isModifierSpec(arg)) {
    next.push(arg);
    writeLeaf(leaf, next);
    return true;
  }
  const each = arg.$each as JsonValue[];
  next.splice(insertAt(arg.$position as number | undefined, next.length), 0, ...each);
  if (arg.$sort !== undefined) sortElements(next, arg.$sort);
  const slice = arg.$slice as number | undefined;
  if (slice !== undefined) {
    if (slice >= 0) next.splice(slice);
    else next.splice(0, Math.max(0, next.length + slice));
  }
  // An element pushed and sliced back off can leave an equal, not identical, array.
  if (current !== undefined && next.length === current.length && next.every((v, i) => bsonEqual(v, current[i])))
    return false;
  writeLeaf(leaf, next);
  return true;
};

/** `$pop`: removes the last (1) or first (-1) element; an empty or missing array stays. */
export const applyPop: LeafApply = (leaf, arg) => {
  const current = readLeaf(leaf) as JsonValue[] | undefined;
  if (current === undefined || current.length === 0) return false;
  const next = copyArray(current);
  if (arg === 1) next.pop();
  else next.shift();
  writeLeaf(leaf, next);
  return true;
};

function removeWhere(leaf: Leaf, matches: (element: JsonValue) => boolean): boolean {
  const current = readLeaf(leaf) as JsonValue[] | undefined;
  if (current === undefined) return false;
  const kept: JsonValue[] = [];
  for (let i = 0; i < current.length; i++) if (!matches(current[i]!)) kept.push(current[i]!);
  if (kept.length === current.length) return false;
  writeLeaf(leaf, kept);
  return true;
}

/**
 * The element test of a `$pull` argument. A scalar or an array removes exact matches only.
 * A document of operators (`{ $gte: 6 }`) is a condition on each element; any other document
 * is a query applied to each element that is a document, "as if each array element were a
 * document in a collection" (the manual).
 */
export function pullMatcher(arg: JsonValue, context: ApplyContext): (element: JsonValue) => boolean {
  if (!isPlainObject(arg)) return (element) => bsonEqual(element, arg);
  if (isElementCondition(arg)) {
    const query = context.conditions.compile({ v: arg });
    return (element) => query.test({ v: element });
  }
  const query = context.conditions.compile(arg);
  return (element) => isPlainObject(element) && query.test(element);
}

export const applyPull: LeafApply = (leaf, arg, context) => removeWhere(leaf, pullMatcher(arg, context));

/** `$pullAll`: removes every element equal to one of the values, exactly. */
export const applyPullAll: LeafApply = (leaf, arg) => {
  const values = arg as JsonValue[];
  return removeWhere(leaf, (element) => values.some((value) => bsonEqual(element, value)));
};
