import { Query } from 'mingo/query';
import type { JsonObject, JsonValue } from '../types.js';
import { QUERY_OPTIONS } from './mingo.js';
import { withRegexBudget } from './safe-regex.js';

const IDENTIFIER = /^[a-z][a-zA-Z0-9]*$/;

/** Distinct conditions kept compiled; the least recently used is dropped beyond this. */
const DEFAULT_CAPACITY = 1000;

/**
 * Compiled mingo queries, keyed by the JSON text of their condition. A patch stream tends
 * to repeat a few conditions (`{ stock: { $gt: 0 } }`), and compiling one costs far more
 * than testing it.
 */
export class ConditionCache {
  readonly #capacity: number;
  readonly #queries = new Map<string, Query>();

  constructor(capacity = DEFAULT_CAPACITY) {
    this.#capacity = capacity;
  }

  /** The compiled query for `condition`. Throws mingo's error for an invalid condition. */
  compile(condition: JsonObject): Query {
    const key = JSON.stringify(condition);
    const cached = this.#queries.get(key);
    if (cached !== undefined) {
      // Re-insert: a Map iterates in insertion order, so the first key is the least recent.
      this.#queries.delete(key);
      this.#queries.set(key, cached);
      return cached;
    }
    const query = new Query(condition, QUERY_OPTIONS);
    this.#queries.set(key, query);
    if (this.#queries.size > this.#capacity) {
      const oldest = this.#queries.keys().next().value;
      if (oldest !== undefined) this.#queries.delete(oldest);
    }
    return query;
  }

  /** Whether `state` matches `condition`, judged by mingo with scripts disabled. */
  holds(condition: JsonObject, state: JsonObject): boolean {
    const query = this.compile(condition);
    return withRegexBudget(() => query.test(state));
  }

  /** Number of compiled conditions held. */
  get size(): number {
    return this.#queries.size;
  }
}

/** Tests one array element against the array filter of its identifier. */
export type ElementMatcher = (identifier: string, element: JsonValue | undefined) => boolean;

const matchNothing: ElementMatcher = () => false;

/**
 * The element test mingo applies for `$[id]`: the filters naming `id` merged into one
 * query, tested against `{ id: [element] }`.
 */
export function arrayFilterMatcher(
  arrayFilters: readonly JsonObject[] | undefined,
  cache: ConditionCache,
): ElementMatcher {
  if (arrayFilters === undefined || arrayFilters.length === 0) return matchNothing;
  const byIdentifier = new Map<string, JsonObject>();
  for (const filter of arrayFilters ?? []) {
    for (const key of Object.keys(filter)) {
      const dot = key.indexOf('.');
      const id = dot === -1 ? key : key.slice(0, dot);
      // Validation allows only identifiers here; an unchecked entry must not reach a prototype.
      if (!IDENTIFIER.test(id)) continue;
      let merged = byIdentifier.get(id);
      if (merged === undefined) {
        merged = {};
        byIdentifier.set(id, merged);
      }
      merged[key] = filter[key]!;
    }
  }
  return (identifier, element) => {
    const filter = byIdentifier.get(identifier);
    if (filter === undefined) return false;
    return cache.compile(filter).test({ [identifier]: element === undefined ? [] : [element] });
  };
}
