import { PatchValidationError } from '../errors.js';
import type { Condition, JsonObject, JsonValue, Update, UpdateOperator } from '../types.js';
import {
  CONDITION_RULES,
  checkKey,
  copyJson,
  isPlainObject,
  type PatchBudget,
  RESERVED_KEYS,
  spend,
} from './json.js';
import { checkQuery } from './condition-check.js';
import { type DocumentLimits, resolveDocumentLimits } from './limits.js';
import { copyOperatorValue } from './operator-args.js';
import { DisjointPaths, parsePath } from './paths.js';
import { pathsObject } from './paths-object.js';

/** The operators a patch may use. */
export const UPDATE_OPERATORS: ReadonlySet<UpdateOperator> = new Set<UpdateOperator>([
  '$set',
  '$unset',
  '$inc',
  '$mul',
  '$min',
  '$max',
  '$rename',
  '$currentDate',
  '$push',
  '$addToSet',
  '$pop',
  '$pull',
  '$pullAll',
  '$bit',
]);

const IDENTIFIER = /^[a-z][a-zA-Z0-9]*$/;

/** What a caller asks to apply, before it is trusted. */
export interface PatchInput {
  update: unknown;
  if?: unknown;
  arrayFilters?: unknown;
}

/** A checked patch body: a deep copy that shares nothing with the caller's objects. */
export interface ValidPatchBody {
  update: Update;
  if?: Condition;
  arrayFilters?: JsonObject[];
}

/**
 * Checks an update (and its condition and array filters) against the allow-list and the
 * limits, and returns a deep copy of it. Throws a {@link PatchValidationError} whose code
 * says what is wrong; nothing is applied anywhere when it throws.
 *
 * @example
 * const body = validatePatchInput({ update: { $inc: { 'stats.hits': 1 } } }, DEFAULT_DOCUMENT_LIMITS);
 */
export function validatePatchInput(
  input: PatchInput,
  limits?: Partial<DocumentLimits>,
): ValidPatchBody {
  return checkBody(input, { limits: resolveDocumentLimits(limits), bytes: 0 });
}

/**
 * The same verdict as {@link validatePatchInput} for a patch freshly parsed from a frame,
 * which nothing else holds: checked where it lies, no copy made. Every replica runs this on
 * every entry it receives, so the copy it would throw away was most of the check's garbage.
 * @throws PatchValidationError as validatePatchInput does.
 */
export function checkParsedPatch(input: PatchInput, limits?: Partial<DocumentLimits>): void {
  // No `= {}` default: a fresh object per call missed every memo keyed by the limits (paths).
  const budget: PatchBudget = { limits: resolveDocumentLimits(limits), bytes: 0, inPlace: true };
  const identifiers: string[] = [];
  copyUpdate(input.update, budget, identifiers);
  // Most patches have neither: then nothing more to check, and no body to build.
  if (input.if === undefined && input.arrayFilters === undefined && identifiers.length === 0) return;
  checkRest(input, budget, identifiers, { update: input.update as Update });
}

function checkBody(input: PatchInput, budget: PatchBudget): ValidPatchBody {
  // Array-filter identifiers named by the update's paths; rarely any, so a list.
  const identifiers: string[] = [];
  return checkRest(input, budget, identifiers, { update: copyUpdate(input.update, budget, identifiers) });
}

/** The condition and the array filters, once the update is checked. */
function checkRest(input: PatchInput, budget: PatchBudget, identifiers: readonly string[], body: ValidPatchBody): ValidPatchBody {
  if (input.if !== undefined) {
    if (!isPlainObject(input.if)) {
      throw new PatchValidationError(
        'ERR_INVALID_CONDITION',
        'the condition must be a plain object',
      );
    }
    body.if = copyJson(input.if, 1, budget, CONDITION_RULES) as Condition;
    checkQuery(body.if, 'if');
  }
  const filters = copyArrayFilters(input.arrayFilters, budget, identifiers);
  if (filters !== undefined) body.arrayFilters = filters;
  return body;
}

function copyUpdate(update: unknown, budget: PatchBudget, identifiers: string[]): Update {
  if (!isPlainObject(update)) {
    throw new PatchValidationError(
      'ERR_UNKNOWN_OPERATOR',
      'an update must be an object of operators',
    );
  }
  const ops = Object.keys(update);
  if (ops.length === 0) {
    throw new PatchValidationError('ERR_UNKNOWN_OPERATOR', 'an update needs at least one operator');
  }
  const written = new DisjointPaths();
  // Checked in place (a parsed frame's patch): nothing is copied, and nothing allocated for it.
  const inPlace = budget.inPlace === true;
  const copy: Record<string, Record<string, JsonValue>> | undefined = inPlace ? undefined : {};
  let paths = 0;
  for (const op of ops) {
    if (RESERVED_KEYS.has(op))
      throw new PatchValidationError('ERR_RESERVED_KEY', `key '${op}' is reserved`);
    if (!UPDATE_OPERATORS.has(op as UpdateOperator)) {
      throw new PatchValidationError(
        'ERR_UNKNOWN_OPERATOR',
        `unknown update operator '${op.slice(0, 80)}'`,
      );
    }
    const args = update[op];
    if (!isPlainObject(args)) {
      throw new PatchValidationError(
        'ERR_UNKNOWN_OPERATOR',
        `the argument of ${op} must be an object of paths`,
      );
    }
    spend(budget, op.length + 4);
    const names = Object.keys(args);
    const out: Record<string, JsonValue> | undefined = inPlace ? undefined : pathsObject(names[0]);
    for (const path of names) {
      paths += 1;
      if (paths > budget.limits.maxPathsPerPatch) {
        throw new PatchValidationError(
          'ERR_LIMIT_EXCEEDED',
          `more than maxPathsPerPatch (${budget.limits.maxPathsPerPatch}) paths in one patch`,
        );
      }
      const value = args[path];
      // Dropping the key (as JSON.stringify would) made `$set: { x: undefined }` resolve
      // `applied: true` having done nothing: refuse it, and say what was probably meant.
      if (value === undefined) {
        throw new PatchValidationError(
          'ERR_INVALID_VALUE',
          `${op} '${path.slice(0, 200)}': undefined is not a JSON value${op === '$set' ? ' (to remove a field, use $unset)' : ''}`,
        );
      }
      spend(budget, path.length + 4);
      const checked = copyPath(op as UpdateOperator, path, value, budget, written, identifiers);
      if (out !== undefined) out[path] = checked;
    }
    if (copy !== undefined) copy[op] = out!;
  }
  // The copy was built key by key from checked parts, so it has the shape Update describes
  // (in place: the update itself, every part of it checked).
  return (copy ?? update) as unknown as Update;
}

function copyPath(
  op: UpdateOperator,
  path: string,
  value: unknown,
  budget: PatchBudget,
  written: DisjointPaths,
  identifiers: string[],
): JsonValue {
  const isRename = op === '$rename';
  const parsed = parsePath(path, budget.limits, !isRename);
  claim(written, parsed.segments, parsed.fixedLength, path);
  for (const id of parsed.identifiers) if (!identifiers.includes(id)) identifiers.push(id);
  if (!isRename) return copyOperatorValue(op, path, value, parsed.segments.length, budget);
  if (typeof value !== 'string') {
    throw new PatchValidationError(
      'ERR_INVALID_PATH',
      `$rename '${path}': the target must be a path string`,
    );
  }
  if (value === path) {
    throw new PatchValidationError(
      'ERR_INVALID_PATH',
      `$rename '${path}': the source and target field must differ`,
    );
  }
  const target = parsePath(value, budget.limits, false);
  claim(written, target.segments, target.fixedLength, value);
  spend(budget, value.length + 2);
  return value;
}

function claim(
  written: DisjointPaths,
  segments: readonly string[],
  length: number,
  path: string,
): void {
  if (!written.add(segments, length)) {
    throw new PatchValidationError(
      'ERR_INVALID_PATH',
      `path '${path}' overlaps another path of the same patch (paths through '$[' count as the whole array)`,
    );
  }
}

function copyArrayFilters(
  filters: unknown,
  budget: PatchBudget,
  identifiers: readonly string[],
): JsonObject[] | undefined {
  if (filters === undefined && identifiers.length === 0) return undefined;
  const covered = new Set<string>();
  let copies: JsonObject[] | undefined;
  if (filters !== undefined) {
    if (!Array.isArray(filters)) {
      throw new PatchValidationError(
        'ERR_INVALID_CONDITION',
        'arrayFilters must be an array of objects',
      );
    }
    copies = [];
    for (const filter of filters) {
      const copy = copyArrayFilter(filter, budget, identifiers, covered);
      checkQuery(copy, `arrayFilters[${copies.length}]`);
      copies.push(copy);
    }
  }
  for (const id of identifiers) {
    if (!covered.has(id)) {
      throw new PatchValidationError(
        'ERR_INVALID_PATH',
        `no array filter for the identifier '${id}'`,
      );
    }
  }
  return copies;
}

function copyArrayFilter(
  filter: unknown,
  budget: PatchBudget,
  identifiers: readonly string[],
  covered: Set<string>,
): JsonObject {
  if (!isPlainObject(filter) || Object.keys(filter).length === 0) {
    throw new PatchValidationError(
      'ERR_INVALID_CONDITION',
      'each array filter must be a non-empty object',
    );
  }
  let identifier: string | undefined;
  for (const key of Object.keys(filter)) {
    checkKey(key, budget.limits);
    const dot = key.indexOf('.');
    const id = dot === -1 ? key : key.slice(0, dot);
    if (!IDENTIFIER.test(id)) {
      throw new PatchValidationError(
        'ERR_INVALID_CONDITION',
        `array filter key '${key}' must start with an identifier (lowercase first, alphanumeric)`,
      );
    }
    if (identifier !== undefined && id !== identifier) {
      throw new PatchValidationError(
        'ERR_INVALID_CONDITION',
        'one array filter may name only one identifier',
      );
    }
    identifier = id;
  }
  if (identifier === undefined || !identifiers.includes(identifier)) {
    throw new PatchValidationError(
      'ERR_INVALID_CONDITION',
      `array filter for '${identifier}' matches no '$[${identifier}]' in the update`,
    );
  }
  if (covered.has(identifier)) {
    // MongoDB refuses this too; merging them would let the last one silently win.
    throw new PatchValidationError(
      'ERR_INVALID_CONDITION',
      `found multiple array filters with the same top-level identifier '${identifier}'`,
    );
  }
  covered.add(identifier);
  return copyJson(filter, 1, budget, CONDITION_RULES) as JsonObject;
}
