import { ProtocolError } from '../errors.js';
import type { JsonObject, JsonValue } from '../types.js';
import { checkKey, copyJson, isPlainObject, type PatchBudget, VALUE_RULES } from './json.js';
import type { DocumentLimits } from './limits.js';

/** Where a snapshot entry goes: a top-level key, or a path of keys and array indexes. */
export type SnapshotPath = string | ReadonlyArray<string | number>;

/** States assembled by a {@link SnapshotStateBuilder}: checked as they arrived. */
const checkedStates = new WeakSet<object>();

/** Whether `state` was assembled (and so checked) by a builder. */
export function isCheckedState(state: unknown): state is JsonObject {
  return typeof state === 'object' && state !== null && checkedStates.has(state);
}

/**
 * Marks a replica's state root as checked under the limits it was built with (the store's
 * replay: checked snapshot, checked entries), so that installing it does not walk it again.
 */
export function markCheckedState(state: JsonObject): void {
  checkedStates.add(state);
}

export function snapshotStateError(error: unknown): ProtocolError {
  if (error instanceof ProtocolError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ProtocolError('ERR_PROTOCOL', `snapshot state: ${message}`, { cause: error });
}

/**
 * A snapshot's state received part by part, freshly parsed, checked in place as each part
 * arrives: the check of a large document overlaps with the wait for its next part instead
 * of running after the last one. The same verdict as checkSnapshot gives the whole state,
 * which then does not check it again.
 *
 * Entries are top-level keys with their values, or — for a value too large for one part —
 * an empty object or array first, then its children: in groups merged into it (`merge`:
 * fields assigned, elements appended) or, for a child too large itself, by a path below it.
 * Every value is checked at its own depth.
 */
export class SnapshotStateBuilder {
  readonly #state: JsonObject = {};
  readonly #budget: PatchBudget;

  constructor(limits: DocumentLimits) {
    this.#budget = { limits: { ...limits, maxPatchBytes: Number.POSITIVE_INFINITY }, bytes: 0, inPlace: true };
  }

  /**
   * Puts `value` at `path`, or with `merge` adds its fields or elements to the object or
   * array already there.
   * @throws ProtocolError `ERR_PROTOCOL` when the path or the value is not allowed in a state.
   */
  add(path: SnapshotPath, value: unknown, merge = false): void {
    try {
      if (merge) {
        this.#merge(path, value);
        return;
      }
      if (typeof path === 'string') {
        checkKey(path, this.#budget.limits);
        // Depth 1: the value sits one level below the root, as in a check of the whole state.
        this.#state[path] = copyJson(value, 1, this.#budget, VALUE_RULES);
        return;
      }
      this.#addAt(path, value);
    } catch (error) {
      throw snapshotStateError(error);
    }
  }

  /** The state assembled so far, marked as checked (add nothing to it afterwards). */
  build(): JsonObject {
    checkedStates.add(this.#state);
    return this.#state;
  }

  #merge(path: SnapshotPath, value: unknown): void {
    const segments = typeof path === 'string' ? [path] : path;
    if (segments.length >= this.#budget.limits.maxDepth) {
      throw new ProtocolError('ERR_PROTOCOL', `snapshot path of ${segments.length} segments`);
    }
    let node: JsonValue | undefined = this.#state;
    for (const segment of segments) node = childOf(node, segment);
    // The children sit one level below the container.
    const depth = segments.length + 1;
    if (Array.isArray(node) && Array.isArray(value)) {
      for (const item of value as unknown[]) node.push(copyJson(item, depth, this.#budget, VALUE_RULES));
    } else if (isPlainObject(node) && isPlainObject(value)) {
      for (const key of Object.keys(value)) {
        checkKey(key, this.#budget.limits);
        node[key] = copyJson(value[key], depth, this.#budget, VALUE_RULES);
      }
    } else {
      throw new ProtocolError('ERR_PROTOCOL', 'a snapshot merge needs an object into an object or an array into an array');
    }
  }

  #addAt(path: ReadonlyArray<string | number>, value: unknown): void {
    if (path.length < 2 || path.length > this.#budget.limits.maxDepth) {
      throw new ProtocolError('ERR_PROTOCOL', `snapshot path of ${path.length} segments`);
    }
    let node: JsonValue | undefined = this.#state;
    for (let i = 0; i < path.length - 1; i++) node = childOf(node, path[i]!);
    const last = path[path.length - 1]!;
    const checked = copyJson(value, path.length, this.#budget, VALUE_RULES);
    if (Array.isArray(node)) {
      // Elements arrive in order: no holes, nothing overwritten.
      if (last !== node.length) throw new ProtocolError('ERR_PROTOCOL', `snapshot element ${String(last)} out of order`);
      node.push(checked);
    } else if (isPlainObject(node) && typeof last === 'string') {
      checkKey(last, this.#budget.limits);
      node[last] = checked;
    } else {
      throw new ProtocolError('ERR_PROTOCOL', 'snapshot path does not lead to an object or array');
    }
  }
}

/** The container at `segment` of `node`, which must already be there (sent earlier). */
function childOf(node: JsonValue | undefined, segment: string | number): JsonValue | undefined {
  const child =
    Array.isArray(node) && typeof segment === 'number'
      ? node[segment]
      : isPlainObject(node) && typeof segment === 'string' && Object.hasOwn(node, segment)
        ? node[segment]
        : undefined;
  if (typeof child !== 'object' || child === null) {
    throw new ProtocolError('ERR_PROTOCOL', 'snapshot path does not lead to an object or array');
  }
  return child;
}
