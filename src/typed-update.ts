import type { PathOf, ValueAt } from './observe/index.js';
import type { Condition, JsonValue, Update } from './types.js';

/**
 * `patch()`'s update, typed by the document `T`: `$set` keyed by the document's paths with
 * the values found there, `$inc $mul $bit` on numeric paths only, the array operators on
 * array paths only. For an untyped document (`JsonObject`) every path is a string and this is
 * {@link Update}. Positional paths (`items.$[].done`) and anything TypeScript cannot follow:
 * wrap the update in {@link untyped}.
 */
export type TypedUpdate<T> = {
  $set?: { [P in WritablePath<T>]?: ValueAt<T, P> };
  $unset?: { [P in WritablePath<T>]?: '' | true | 1 };
  $rename?: { [P in WritablePath<T>]?: string };
  $currentDate?: { [P in WritablePath<T>]?: true | { $type: 'date' | 'timestamp' } };
  $inc?: { [P in NumericPath<T>]?: number };
  $mul?: { [P in NumericPath<T>]?: number };
  $min?: { [P in WritablePath<T>]?: ValueAt<T, P> };
  $max?: { [P in WritablePath<T>]?: ValueAt<T, P> };
  $bit?: { [P in NumericPath<T>]?: { and: number } | { or: number } | { xor: number } };
  $push?: { [P in ArrayPath<T>]?: ElementOf<T, P> | PushSpec<ElementOf<T, P>> };
  $addToSet?: { [P in ArrayPath<T>]?: ElementOf<T, P> | { $each: ElementOf<T, P>[] } };
  $pull?: { [P in ArrayPath<T>]?: ElementOf<T, P> | Condition };
  $pullAll?: { [P in ArrayPath<T>]?: ElementOf<T, P>[] };
  $pop?: { [P in ArrayPath<T>]?: 1 | -1 };
};

/** `$push` with modifiers. */
export interface PushSpec<E> {
  $each: E[];
  $slice?: number;
  $position?: number;
  $sort?: 1 | -1 | Record<string, 1 | -1>;
}

/** Paths a patch can name: the document's paths without the observe wildcard `*`. */
export type WritablePath<T> = Exclude<PathOf<T>, ''> extends infer P
  ? P extends `${string}*${string}` | '*'
    ? never
    : P & string
  : never;

/** Paths whose value is a number (or missing). */
export type NumericPath<T> = {
  [P in WritablePath<T>]: NonNullable<ValueAt<T, P>> extends number ? P : never;
}[WritablePath<T>];

/** Paths whose value is an array (or missing). */
export type ArrayPath<T> = {
  [P in WritablePath<T>]: NonNullable<ValueAt<T, P>> extends readonly unknown[] ? P : never;
}[WritablePath<T>];

/** The element type of the array at `P`. */
export type ElementOf<T, P extends string> =
  NonNullable<ValueAt<T, P>> extends readonly (infer E)[] ? E : JsonValue;

declare const untypedBrand: unique symbol;

/** An update `patch()` takes as it is, unchecked against the document type. */
export type UntypedUpdate = Update & { readonly [untypedBrand]: true };

/**
 * The escape hatch: `mem.patch(untyped({ $set: { 'items.$[i].done': true } }), ...)` for
 * updates the typed form cannot express. Validation still checks it at run time.
 */
export function untyped(update: Update): UntypedUpdate {
  return update as UntypedUpdate;
}
