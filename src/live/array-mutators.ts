import { MemSyncError } from '../errors.js';
import type { JsonValue } from '../types.js';
import { copyJsonValue, detachedCopy } from './json-copy.js';
import type { LiveSession } from './live-session.js';

/**
 * The array methods a live array answers itself. `push` becomes a `$push` (so concurrent
 * pushes from other writers are all kept); the others rewrite the array, so they become a
 * `$set` of the whole array computed from the value the live object sees now.
 */
const MUTATORS = ['push', 'pop', 'shift', 'unshift', 'splice', 'sort', 'reverse'] as const;
export type ArrayMutatorName = (typeof MUTATORS)[number];

const MUTATOR_NAMES: ReadonlySet<string> = new Set(MUTATORS);

export function isArrayMutator(key: string): key is ArrayMutatorName {
  return MUTATOR_NAMES.has(key);
}

/** What a mutator needs from the proxy it was read from. */
export interface ArrayContext {
  readonly session: LiveSession;
  readonly segments: readonly string[];
  /** The proxy itself, returned by `sort` and `reverse` as arrays return `this`. */
  readonly self: object;
  /** What reading `self[index]` gives: a nested live proxy or a primitive. */
  readonly element: (index: number) => unknown;
}

/** Builds the live version of one array method, bound to the proxy's path. */
export function arrayMutator(
  name: ArrayMutatorName,
  context: ArrayContext,
): (...args: unknown[]) => unknown {
  const { session, segments, self } = context;
  const where = segments.join('.');

  const current = (): JsonValue[] => {
    const value = session.read(segments);
    if (!Array.isArray(value)) throw new MemSyncError('ERR_INVALID_PATH', `live: '${where}' is no longer an array`);
    return value;
  };
  const copies = (items: unknown[], from: number): JsonValue[] =>
    items.map((item, i) => copyJsonValue(item, `${where}.${from + i}`));
  const replaceWith = (next: JsonValue[]): void => {
    session.write(segments, { kind: 'set', value: next });
  };

  switch (name) {
    case 'push':
      return (...items) => {
        const array = current();
        const values = copies(items, array.length);
        if (values.length > 0) session.write(segments, { kind: 'push', values });
        return array.length + values.length;
      };
    case 'pop':
      return () => {
        const array = current();
        if (array.length === 0) return undefined;
        replaceWith(array.slice(0, -1));
        return detachedCopy(array[array.length - 1]);
      };
    case 'shift':
      return () => {
        const array = current();
        if (array.length === 0) return undefined;
        replaceWith(array.slice(1));
        return detachedCopy(array[0]);
      };
    case 'unshift':
      return (...items) => {
        const array = current();
        const values = copies(items, 0);
        if (values.length > 0) replaceWith([...values, ...array]);
        return array.length + values.length;
      };
    case 'splice':
      return (...args) => {
        const array = current();
        const next = [...array];
        // Array.prototype.splice treats "no deleteCount" and "deleteCount undefined" apart.
        const removed =
          args.length === 0
            ? []
            : args.length === 1
              ? next.splice(Number(args[0]))
              : next.splice(Number(args[0]), Number(args[1]), ...copies(args.slice(2), 0));
        if (removed.length > 0 || args.length > 2) replaceWith(next);
        return detachedCopy(removed);
      };
    case 'sort':
      return (compare) => {
        if (compare !== undefined && typeof compare !== 'function') {
          throw new MemSyncError('ERR_INVALID_ARGUMENT', 'live: sort() takes a comparison function or nothing');
        }
        const comparator = compare as ((a: unknown, b: unknown) => unknown) | undefined;
        const array = current();
        const order = array.map((_, index) => index);
        if (comparator === undefined) {
          order.sort((a, b) => defaultCompare(array[a]!, array[b]!));
        } else {
          // The comparator sees what reading the array gives: live proxies for containers.
          order.sort((a, b) => Number(comparator(context.element(a), context.element(b))) || 0);
        }
        if (order.some((from, to) => from !== to)) replaceWith(order.map((from) => array[from]!));
        return self;
      };
    case 'reverse':
      return () => {
        const array = current();
        if (array.length > 1) replaceWith([...array].reverse());
        return self;
      };
  }
}

/** Array.prototype.sort's default order: by string form, ascending. */
function defaultCompare(a: JsonValue, b: JsonValue): number {
  const left = String(a);
  const right = String(b);
  return left < right ? -1 : left > right ? 1 : 0;
}
