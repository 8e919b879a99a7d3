import type { JsonValue } from '../types.js';
import type { Change } from './registry.js';

/**
 * Type-level dotted paths, so `observe('user.name', cb)` is checked against the document's
 * type and `cb` receives the type found there. Pure types: nothing here exists at run time.
 */

/** Recursion budget: each step down a path spends one. Keeps tsc fast on deep types. */
type Budget = [never, 0, 1, 2, 3, 4, 5, 6];
type DefaultDepth = 6;

/** True when `T` is `any`. */
type IsAny<T> = 0 extends 1 & T ? true : false;

/**
 * True when `T` says nothing precise about its keys: `any`, `unknown`, `JsonValue`, or an
 * object with a string index signature. Paths below such a type are plain strings.
 */
type IsOpen<T> =
  IsAny<T> extends true
    ? true
    : unknown extends T
      ? true
      : JsonValue extends T
        ? true
        : T extends readonly unknown[]
          ? false
          : T extends object
            ? string extends keyof T
              ? true
              : false
            : false;

/** Segment that indexes an array: a number, or the observe wildcard. */
type IndexSegment = `${number}` | '*';

/** The paths strictly below `T` (relative to it), spending `D` steps at most. */
type PathsBelow<T, D extends number> = [D] extends [never]
  ? string
  : IsOpen<T> extends true
    ? string
    : T extends readonly (infer E)[]
      ? IndexSegment | `${IndexSegment}.${PathsBelow<E, Budget[D]>}`
      : T extends object
        ?
            | {
                [K in keyof T & string]: K | `${K}.${PathsBelow<NonNullable<T[K]>, Budget[D]>}`;
              }[keyof T & string]
            // `*` stands for any one key: `config.*` observes every setting.
            | '*'
            | `*.${PathsBelow<NonNullable<T[keyof T & string]>, Budget[D]>}`
        : never;

/**
 * Every dotted path of `T`, `''` (the whole object) included. Arrays give numeric segments
 * (or `*`); past six levels, or below `JsonValue` and index signatures, any string is allowed.
 *
 * @example
 * type P = PathOf<{ user: { name: string; tags: string[] } }>;
 * // '' | 'user' | 'user.name' | 'user.tags' | `user.tags.${number}` | 'user.tags.*'
 */
export type PathOf<T> = '' | PathsBelow<T, DefaultDepth>;

/** The type one segment below `T`, with `undefined` where the step may find nothing. */
type Child<T, K extends string> = T extends null | undefined
  ? undefined
  : IsAny<T> extends true
    ? JsonValue | undefined
    : T extends readonly (infer E)[]
      ? K extends IndexSegment
        ? E | undefined
        : undefined
      : T extends object
        ? string extends keyof T
          ? T[string & keyof T] | undefined
          : K extends keyof T
            ? T[K]
            : K extends '*'
              ? T[keyof T & string]
              : undefined
        : undefined;

type ValueAtSegments<T, P extends string> = P extends `${infer Head}.${infer Rest}`
  ? ValueAtSegments<Child<T, Head>, Rest>
  : Child<T, P>;

/**
 * The type of the value at path `P` of `T`. Steps through optional properties, array indices
 * and index signatures add `undefined`, as `?.` would.
 *
 * @example
 * type N = ValueAt<{ user?: { name: string } }, 'user.name'>; // string | undefined
 */
export type ValueAt<T, P extends string> = P extends '' ? T : ValueAtSegments<T, P>;

/** A typed observe function: the callback receives the type found at the path. */
export type TypedObserve<T> = <P extends PathOf<T>>(
  path: P,
  callback: (value: ValueAt<T, P>, change: Change<ValueAt<T, P>>) => void,
) => () => void;
