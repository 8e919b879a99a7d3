/**
 * Events, call arguments and results obey the rules of patch values: JSON only, the same
 * size and depth limits, no reserved keys. Reusing the patch validator keeps one set of rules.
 */
import { checkParsedPatch, type DocumentLimits, validatePatchInput } from '../document/index.js';
import { MemSyncError } from '../errors.js';
import type { JsonValue } from '../types.js';

/** Longest event, method or lock name. */
export const MAX_NAME_LENGTH = 256;

/** A deep copy of a value a caller gave, checked like a patch value (`undefined` becomes `null`). */
export function copyPayload(value: unknown, limits: Partial<DocumentLimits>): JsonValue {
  if (value === undefined) return null;
  const body = validatePatchInput({ update: { $set: { value: value as JsonValue } } }, limits);
  return (body.update.$set as { value: JsonValue }).value;
}

/** Checks, in place, a value a peer sent. */
export function checkPayload(value: unknown, limits: Partial<DocumentLimits>): void {
  if (value === undefined) return;
  checkParsedPatch({ update: { $set: { value: value as JsonValue } } }, limits);
}

/** An event, method or lock name: a string of 1-256 characters. */
export function checkName(name: unknown, what: string): asserts name is string {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_LENGTH) {
    throw new MemSyncError('ERR_INVALID_ARGUMENT', `${what} must be a string of 1-${MAX_NAME_LENGTH} characters`);
  }
}

/** A positive timeout in milliseconds, or the default. */
export function timeoutOf(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new MemSyncError('ERR_INVALID_ARGUMENT', 'timeout must be a positive number of milliseconds');
  }
  return value;
}
