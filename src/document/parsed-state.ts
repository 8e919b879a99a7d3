import type { JsonObject, JsonValue } from '../types.js';
import { freezeParsedNode } from './freeze.js';
import { isPlainObject, RESERVED_KEYS } from './json.js';
import type { DocumentLimits } from './limits.js';
import { PatchValidationError } from '../errors.js';

/**
 * States that `JSON.parse` has just made and nobody else holds: a store's snapshot record as
 * decoded (storage/record-codec.ts). Such a value can only hold plain objects, arrays,
 * strings, finite numbers, booleans and null, with no cycles, no holes and no `undefined`:
 * of everything `copyJson` checks, only the keys and the depth are left to check.
 */
const parsedStates = new WeakSet<object>();

/** Marks `value` as just parsed from JSON text and not yet seen by anyone else. */
export function markParsedJson(value: unknown): void {
  if (typeof value === 'object' && value !== null) parsedStates.add(value);
}

export function isParsedJson(value: unknown): boolean {
  return typeof value === 'object' && value !== null && parsedStates.has(value);
}

/**
 * Checks a state marked by {@link markParsedJson} where it lies and freezes it in the same
 * walk, with the verdict `copyState(state, limits, true)` gives (reserved and over-long keys,
 * nesting beyond `maxDepth`). Why a walk of its own: a store's 10 MB snapshot was checked
 * by the general walk in ~170 ms, ~60 ms of it spent on what parsed JSON cannot hold
 * (prototypes, `undefined`, cycles, byte counts, already frozen nodes).
 * @throws PatchValidationError `ERR_RESERVED_KEY`, `ERR_LIMIT_EXCEEDED`, `ERR_INVALID_VALUE`
 */
export function checkParsedState(state: unknown, limits: DocumentLimits): JsonObject {
  if (!isPlainObject(state) || !parsedStates.has(state)) {
    throw new PatchValidationError('ERR_INVALID_VALUE', 'the document must be a plain JSON object just parsed');
  }
  parsedStates.delete(state);
  checkNode(state, 0, limits.maxDepth, limits.maxKeyLength);
  return state as JsonObject;
}

function checkNode(node: object, depth: number, maxDepth: number, maxKeyLength: number): void {
  if (depth > maxDepth) tooDeep(maxDepth);
  if (Array.isArray(node)) {
    const items = node as JsonValue[];
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (typeof item === 'object' && item !== null) checkNode(item, depth + 1, maxDepth, maxKeyLength);
      else if (depth + 1 > maxDepth) tooDeep(maxDepth);
    }
    freezeParsedNode(node, items.length);
    return;
  }
  const fields = node as Record<string, JsonValue>;
  let size = 0;
  // JSON.parse makes own, enumerable data properties only; for-in is the cheapest walk of them.
  for (const key in fields) {
    size++;
    if (RESERVED_KEYS.has(key)) throw new PatchValidationError('ERR_RESERVED_KEY', `key '${key}' is reserved`);
    if (key.length > maxKeyLength) {
      throw new PatchValidationError('ERR_LIMIT_EXCEEDED', `key of ${key.length} characters exceeds maxKeyLength (${maxKeyLength})`);
    }
    const item = fields[key]!;
    if (typeof item === 'object' && item !== null) checkNode(item, depth + 1, maxDepth, maxKeyLength);
    else if (depth + 1 > maxDepth) tooDeep(maxDepth);
  }
  freezeParsedNode(node, size);
}

function tooDeep(maxDepth: number): never {
  throw new PatchValidationError('ERR_LIMIT_EXCEEDED', `nesting deeper than maxDepth (${maxDepth})`);
}
