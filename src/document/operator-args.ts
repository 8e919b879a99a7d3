import { PatchValidationError } from '../errors.js';
import type { JsonObject, JsonValue, UpdateOperator } from '../types.js';
import {
  CONDITION_RULES,
  copyJson,
  isPlainObject,
  type PatchBudget,
  spend,
  VALUE_RULES,
} from './json.js';
import { parsePath } from './paths.js';
import { checkPullCondition } from './condition-check.js';

const PUSH_MODIFIERS: ReadonlySet<string> = new Set(['$each', '$slice', '$position', '$sort']);
const BIT_OPERATIONS: ReadonlySet<string> = new Set(['and', 'or', 'xor']);

function invalid(op: string, path: string, what: string): PatchValidationError {
  return new PatchValidationError('ERR_INVALID_VALUE', `${op} '${path}': ${what}`);
}

/**
 * Checks the value one operator writes at one path and returns a private copy of it.
 * `$rename` is not handled here: its value is a path.
 *
 * @param depth - Segments of the path: the nesting level the value lands at.
 */
export function copyOperatorValue(
  op: UpdateOperator,
  path: string,
  value: unknown,
  depth: number,
  budget: PatchBudget,
): JsonValue {
  switch (op) {
    case '$inc':
    case '$mul':
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw invalid(op, path, 'needs a finite number');
      }
      spend(budget, 8);
      return value;
    case '$bit':
      return copyBitSpec(path, value, budget);
    case '$pop':
      if (value !== 1 && value !== -1) throw invalid(op, path, 'needs 1 or -1');
      spend(budget, 2);
      return value;
    case '$unset':
      // MongoDB ignores the value; a fixed one keeps the patch small and typed.
      spend(budget, 2);
      return '';
    case '$currentDate':
      return copyCurrentDateSpec(path, value, budget);
    case '$pullAll':
      if (!Array.isArray(value)) throw invalid(op, path, 'needs an array');
      return copyJson(value, depth, budget, VALUE_RULES);
    case '$pull': {
      // A value to remove or a condition on the elements: judged like a condition.
      const copy = copyJson(value, depth + 1, budget, CONDITION_RULES);
      if (isPlainObject(copy)) checkPullCondition(copy as JsonObject, `$pull '${path}'`);
      return copy;
    }
    case '$push':
      return copyPushSpec(path, value, depth, budget);
    case '$addToSet':
      return copyAddToSetSpec(path, value, depth, budget);
    default:
      return copyJson(value, depth, budget, VALUE_RULES);
  }
}

function copyBitSpec(path: string, value: unknown, budget: PatchBudget): JsonValue {
  const keys = isPlainObject(value) ? Object.keys(value) : [];
  const operation = keys[0];
  if (
    !isPlainObject(value) ||
    keys.length !== 1 ||
    operation === undefined ||
    !BIT_OPERATIONS.has(operation)
  ) {
    throw invalid('$bit', path, 'needs exactly one of { and: n }, { or: n }, { xor: n }');
  }
  const operand = value[operation];
  // Operands are 64-bit in MongoDB (a long); a JSON number is exact up to 2^53 - 1.
  if (typeof operand !== 'number' || !Number.isSafeInteger(operand)) {
    throw invalid('$bit', path, 'needs an integer operand within ±(2^53 - 1)');
  }
  spend(budget, 16);
  return { [operation]: operand };
}

function copyCurrentDateSpec(path: string, value: unknown, budget: PatchBudget): JsonValue {
  spend(budget, 20);
  if (value === true) return true;
  if (isPlainObject(value) && Object.keys(value).length === 1) {
    if (value.$type === 'date' || value.$type === 'timestamp') return { $type: value.$type };
  }
  throw invalid('$currentDate', path, "needs true, { $type: 'date' } or { $type: 'timestamp' }");
}

function hasOperatorKey(value: Record<string, unknown>): boolean {
  return Object.keys(value).some((key) => key.startsWith('$'));
}

function copyPushSpec(path: string, value: unknown, depth: number, budget: PatchBudget): JsonValue {
  if (!isPlainObject(value) || !hasOperatorKey(value)) {
    return copyJson(value, depth + 1, budget, VALUE_RULES);
  }
  for (const key of Object.keys(value)) {
    if (!PUSH_MODIFIERS.has(key)) throw invalid('$push', path, `unknown modifier '${key}'`);
  }
  if (value.$each === undefined) {
    const modifiers = Object.keys(value).join(', ');
    throw invalid('$push', path, `${modifiers} need${Object.keys(value).length === 1 ? 's' : ''} $each (use { $each: [value], ... })`);
  }
  if (!Array.isArray(value.$each)) throw invalid('$push', path, '$each must be an array');
  const spec: JsonObject = { $each: copyJson(value.$each, depth, budget, VALUE_RULES) };
  for (const key of ['$slice', '$position'] as const) {
    const n = value[key];
    if (n === undefined) continue;
    if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
      throw invalid('$push', path, `${key} must be an integer`);
    }
    spend(budget, 16);
    spec[key] = n;
  }
  if (value.$sort !== undefined) spec.$sort = copySortSpec(path, value.$sort, budget);
  return spec;
}

function copySortSpec(path: string, sort: unknown, budget: PatchBudget): JsonValue {
  spend(budget, 16);
  if (sort === 1 || sort === -1) return sort;
  const keys = isPlainObject(sort) ? Object.keys(sort) : [];
  const field = keys[0];
  // mingo sorts by the first key only: refuse more rather than ignore them silently.
  if (!isPlainObject(sort) || keys.length !== 1 || field === undefined) {
    throw invalid('$push', path, '$sort must be 1, -1 or { field: 1 | -1 } with one field');
  }
  parsePath(field, budget.limits, false);
  const order = sort[field];
  if (order !== 1 && order !== -1) throw invalid('$push', path, '$sort order must be 1 or -1');
  spend(budget, field.length);
  return { [field]: order };
}

function copyAddToSetSpec(
  path: string,
  value: unknown,
  depth: number,
  budget: PatchBudget,
): JsonValue {
  if (!isPlainObject(value) || !hasOperatorKey(value)) {
    return copyJson(value, depth + 1, budget, VALUE_RULES);
  }
  const keys = Object.keys(value);
  if (keys.length !== 1 || keys[0] !== '$each') {
    throw invalid('$addToSet', path, 'the only modifier is $each');
  }
  if (!Array.isArray(value.$each)) throw invalid('$addToSet', path, '$each must be an array');
  return { $each: copyJson(value.$each, depth, budget, VALUE_RULES) };
}
