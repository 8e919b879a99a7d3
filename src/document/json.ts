import { PatchValidationError } from '../errors.js';
import type { JsonObject, JsonValue } from '../types.js';
import { frozenChecked } from './freeze.js';
import type { DocumentLimits } from './limits.js';

/** Keys that reach an object's prototype machinery: refused everywhere, loudly. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);

/** Query operators that run code. */
const SCRIPT_OPERATORS: ReadonlySet<string> = new Set(['$where', '$function', '$accumulator']);

/** System variables that read the clock: every replica would judge at another time. */
const CLOCK_VARIABLES = ['$$NOW', '$$CLUSTER_TIME'];

/** A plain object: made by a literal, `JSON.parse` or `Object.create(null)`, not a class. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Counts the approximate JSON size of one patch while it is being checked. */
export interface PatchBudget {
  readonly limits: DocumentLimits;
  bytes: number;
  /**
   * Check without copying, and return the value itself: for JSON that nobody else holds
   * (just parsed from a frame) or that is immutable already (a replica's state root).
   */
  readonly inPlace?: boolean;
  /**
   * With `inPlace`: freeze each container once checked, as {@link freezeFresh} would after
   * (for a state about to become a replica's root: one walk of a large document, not two).
   */
  readonly freeze?: boolean;
}

/** How a value is judged: as data written into the document, or as a mingo condition. */
export interface CopyRules {
  /** Code thrown for something that is not JSON. */
  readonly invalidCode: 'ERR_INVALID_VALUE' | 'ERR_INVALID_CONDITION';
  /** Conditions may not name script operators nor read the clock. */
  readonly condition: boolean;
}

export const VALUE_RULES: CopyRules = { invalidCode: 'ERR_INVALID_VALUE', condition: false };
export const CONDITION_RULES: CopyRules = { invalidCode: 'ERR_INVALID_CONDITION', condition: true };

/** Adds bytes to the budget and throws once the patch is too large. */
export function spend(budget: PatchBudget, bytes: number): void {
  budget.bytes += bytes;
  if (budget.bytes > budget.limits.maxPatchBytes) {
    throw new PatchValidationError(
      'ERR_LIMIT_EXCEEDED',
      `patch is larger than maxPatchBytes (${budget.limits.maxPatchBytes})`,
    );
  }
}

/** Refuses a key that is reserved or too long. */
export function checkKey(key: string, limits: DocumentLimits): void {
  if (RESERVED_KEYS.has(key)) {
    throw new PatchValidationError('ERR_RESERVED_KEY', `key '${key}' is reserved`);
  }
  if (key.length > limits.maxKeyLength) {
    throw new PatchValidationError(
      'ERR_LIMIT_EXCEEDED',
      `key of ${key.length} characters exceeds maxKeyLength (${limits.maxKeyLength})`,
    );
  }
}

/**
 * Checks that `value` is JSON within the limits and returns a deep copy of it, so later
 * changes to the caller's objects cannot reach the document. `undefined` object properties
 * are dropped as `JSON.stringify` would; `undefined` anywhere else is refused.
 *
 * @param depth - Nesting level of `value` itself (the segments of the path it is written at).
 */
export function copyJson(
  value: unknown,
  depth: number,
  budget: PatchBudget,
  rules: CopyRules,
): JsonValue {
  // The cycle guard is made when the first container is met: most values are scalars.
  return copyValue(value, depth, budget, rules, undefined);
}

/** A condition's keys are dotted field paths: each segment must be an ordinary name. */
function checkConditionKey(key: string, rules: CopyRules): void {
  if (SCRIPT_OPERATORS.has(key)) {
    throw new PatchValidationError(rules.invalidCode, `${key} runs code and is not allowed`);
  }
  if (!key.includes('.')) return;
  for (const segment of key.split('.')) {
    if (RESERVED_KEYS.has(segment)) {
      throw new PatchValidationError(
        'ERR_RESERVED_KEY',
        `key '${key}' holds the reserved segment '${segment}'`,
      );
    }
  }
}

function copyValue(
  value: unknown,
  depth: number,
  budget: PatchBudget,
  rules: CopyRules,
  ancestors: Set<object> | undefined,
): JsonValue {
  if (depth > budget.limits.maxDepth) {
    throw new PatchValidationError(
      'ERR_LIMIT_EXCEEDED',
      `nesting deeper than maxDepth (${budget.limits.maxDepth})`,
    );
  }
  switch (typeof value) {
    case 'string':
      if (
        rules.condition &&
        value.startsWith('$$') &&
        CLOCK_VARIABLES.some((v) => value.startsWith(v))
      ) {
        throw new PatchValidationError(
          rules.invalidCode,
          `a condition may not read the clock (${value})`,
        );
      }
      spend(budget, value.length + 2);
      return value;
    case 'number':
      if (!Number.isFinite(value)) {
        throw new PatchValidationError(rules.invalidCode, `${value} is not a JSON number`);
      }
      // Sizing a number means formatting it: only where a size limit applies.
      if (budget.limits.maxPatchBytes !== Number.POSITIVE_INFINITY) spend(budget, String(value).length);
      return value;
    case 'boolean':
      spend(budget, 5);
      return value;
    case 'object':
      if (value === null) {
        spend(budget, 4);
        return null;
      }
      return copyContainer(value, depth, budget, rules, ancestors);
    default:
      throw new PatchValidationError(rules.invalidCode, `a ${typeof value} is not a JSON value`);
  }
}

function copyContainer(
  value: object,
  depth: number,
  budget: PatchBudget,
  rules: CopyRules,
  guard: Set<object> | undefined,
): JsonValue {
  const inPlace = budget.inPlace === true;
  // Parsed JSON and immutable roots cannot hold cycles; a caller's objects can.
  const ancestors = inPlace ? undefined : (guard ?? new Set<object>());
  if (ancestors !== undefined) {
    if (ancestors.has(value)) {
      throw new PatchValidationError(rules.invalidCode, 'a value contains a cycle');
    }
    ancestors.add(value);
  }
  spend(budget, 2);
  let copy: JsonValue;
  if (Array.isArray(value)) {
    const items: JsonValue[] | undefined = inPlace ? undefined : new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item === undefined) {
        throw new PatchValidationError(rules.invalidCode, 'an array holds undefined or a hole');
      }
      spend(budget, 1);
      const checked = copyValue(item, depth + 1, budget, rules, ancestors);
      if (items) items[i] = checked;
    }
    copy = items ?? (value as JsonValue[]);
    if (budget.freeze === true && items === undefined) frozenChecked(value, value.length);
  } else if (isPlainObject(value)) {
    const fields: JsonObject | undefined = inPlace ? undefined : {};
    const keys = Object.keys(value);
    for (const key of keys) {
      checkKey(key, budget.limits);
      if (rules.condition) checkConditionKey(key, rules);
      const item = value[key];
      if (item === undefined) {
        if (inPlace) throw new PatchValidationError(rules.invalidCode, `'${key}' is undefined`);
        continue;
      }
      spend(budget, key.length + 4);
      const checked = copyValue(item, depth + 1, budget, rules, ancestors);
      if (fields) fields[key] = checked;
    }
    copy = fields ?? (value as JsonObject);
    if (budget.freeze === true && fields === undefined) frozenChecked(value, keys.length);
  } else {
    const kind = value.constructor?.name ?? 'object';
    throw new PatchValidationError(rules.invalidCode, `a ${kind} is not a plain JSON value`);
  }
  ancestors?.delete(value);
  return copy;
}
