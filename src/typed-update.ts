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
 * updates the typed form cannot express, and `{ if: untyped({ ... }) }` for conditions.
 * Validation still checks them at run time.
 */
export function untyped(update: Update): UntypedUpdate;
/** A condition, for `patch()`'s `if`, taken as it is: `{ if: untyped({ 'items.0.tags': 'x' }) }`. */
export function untyped(condition: Condition): UntypedCondition;
export function untyped(value: Update | Condition): UntypedUpdate | UntypedCondition {
  return value as unknown as UntypedUpdate;
}

/**
 * `patch()`'s `if`, typed by the document `T`: each key a path of `T`, its value what may be
 * found there (or, for an array, one of its elements: MongoDB matches those too) or
 * comparison operators on that type; `$and $or $nor` of such conditions. For an untyped
 * document, any object of fields (a {@link Condition}). What TypeScript cannot follow (`$elemMatch` on nested
 * documents, `$expr`-free tricks): wrap the condition in {@link untyped}. Validation checks
 * every condition at run time either way.
 * @example mem.patch({ $inc: { stock: -1 } }, { if: { stock: { $gt: 0 } } })
 */
export type TypedCondition<T> = string extends WritablePath<T>
  ? UntypedConditionShape
  : { [P in WritablePath<T>]?: FieldCondition<NonNullable<ValueAt<T, P>>> } & LogicalCondition<T>;

/**
 * The condition of an untyped document: an object of fields, checked at run time only. Wide
 * enough that every typed condition fits it, so a `MemSync<Doc>` is still a `MemSync`.
 */
export type UntypedConditionShape = { readonly [key: string]: unknown };

/** `$and`, `$or`, `$nor` over typed conditions. */
export type LogicalCondition<T> = {
  $and?: TypedCondition<T>[];
  $or?: TypedCondition<T>[];
  $nor?: TypedCondition<T>[];
};

/** What a condition may say about a value of type `V`: the value itself, or operators. */
export type FieldCondition<V> =
  | V
  | (V extends readonly (infer E)[] ? E : never)
  | OperatorCondition<V>;

/**
 * The query operators a field condition may use, typed by the field's type `V`. (Type
 * aliases, not interfaces, here: a typed condition stays assignable to the untyped shape.)
 */
export type OperatorCondition<V> = {
  $eq?: V | ElementOrNever<V> | null;
  $ne?: V | ElementOrNever<V> | null;
  $gt?: Comparable<V>;
  $gte?: Comparable<V>;
  $lt?: Comparable<V>;
  $lte?: Comparable<V>;
  $in?: (V | ElementOrNever<V> | null)[];
  $nin?: (V | ElementOrNever<V> | null)[];
  $exists?: boolean;
  $type?: string | number;
  $not?: OperatorCondition<V>;
  $regex?: Textual<V>;
  $options?: Textual<V>;
  $size?: V extends readonly unknown[] ? number : never;
  $all?: V extends readonly (infer E)[] ? E[] : never;
  $elemMatch?: V extends readonly unknown[] ? Condition : never;
  $mod?: V extends number ? [number, number] : never;
};

type ElementOrNever<V> = V extends readonly (infer E)[] ? E : never;
/** Order comparisons: numbers with numbers, strings with strings (MongoDB compares within a type). */
type Comparable<V> = V extends number
  ? number
  : V extends string
    ? string
    : V extends readonly (infer E)[]
      ? E extends number
        ? number
        : E extends string
          ? string
          : never
      : never;
/** `$regex` and `$options`: on strings, or arrays of strings. */
type Textual<V> = V extends string ? string : V extends readonly (infer E)[] ? (E extends string ? string : never) : never;

declare const untypedConditionBrand: unique symbol;

/**
 * A condition `patch()` takes as it is, unchecked against the document type (made by
 * {@link untyped}). Opaque: only the brand shows, so that beside a typed condition it does
 * not let every key through.
 */
export type UntypedCondition = { readonly [untypedConditionBrand]: true };
