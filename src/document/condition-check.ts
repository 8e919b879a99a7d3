import { compileLinear } from './safe-regex.js';
import { PatchValidationError } from '../errors.js';
import type { JsonValue } from '../types.js';
import { isPlainObject } from './json.js';

/**
 * The shape of a condition (`if`, an array filter, a `$pull` condition), checked when the
 * patch is validated, so that a mistake is refused with `ERR_INVALID_CONDITION` and a message
 * naming the operator and where it stands, instead of surfacing later as a mingo-internal
 * message ("input[(input.length - 1)] is not iterable") on every replica. What a pattern
 * may cost to run is judged elsewhere; here only that it is a well-formed regular expression.
 */

type Arg = JsonValue;
type ArgCheck = (arg: Arg) => string | undefined;

const isInteger = (v: Arg): boolean => typeof v === 'number' && Number.isSafeInteger(v);
const anything: ArgCheck = () => undefined;
const array: ArgCheck = (v) => (Array.isArray(v) ? undefined : 'needs an array');
const TYPE_ALIASES: ReadonlySet<string> = new Set([
  'double', 'string', 'object', 'array', 'binData', 'undefined', 'objectId', 'bool', 'date',
  'null', 'regex', 'javascript', 'int', 'timestamp', 'long', 'decimal', 'minKey', 'maxKey', 'number',
]);
const oneType = (v: Arg): boolean => (typeof v === 'string' && TYPE_ALIASES.has(v)) || isInteger(v);
const bitPositions: ArgCheck = (v) =>
  (isInteger(v) && (v as number) >= 0) ||
  (Array.isArray(v) && v.every((p) => isInteger(p) && (p as number) >= 0))
    ? undefined
    : 'needs a non-negative integer bitmask or an array of bit positions';

/** Field-level query operators memsync's mingo context runs, with their argument rule. */
const FIELD_OPERATORS: ReadonlyMap<string, ArgCheck> = new Map<string, ArgCheck>([
  ['$eq', anything],
  ['$ne', anything],
  ['$gt', anything],
  ['$gte', anything],
  ['$lt', anything],
  ['$lte', anything],
  ['$in', array],
  ['$nin', array],
  ['$all', array],
  ['$exists', anything],
  ['$type', (v) => (oneType(v) || (Array.isArray(v) && v.length > 0 && v.every(oneType)) ? undefined : 'needs a BSON type alias, a type number or an array of them')],
  ['$size', (v) => (isInteger(v) && (v as number) >= 0 ? undefined : 'needs a non-negative integer')],
  ['$mod', (v) => Array.isArray(v) && v.length === 2 && v.every((n) => typeof n === 'number') ? (v[0] === 0 ? 'divisor cannot be 0' : undefined) : 'needs an array [divisor, remainder]'],
  ['$bitsAllSet', bitPositions],
  ['$bitsAnySet', bitPositions],
  ['$bitsAllClear', bitPositions],
  ['$bitsAnyClear', bitPositions],
  ['$regex', () => undefined], // judged with $options below
  ['$options', () => undefined],
  ['$not', () => undefined], // recursive, below
  ['$elemMatch', () => undefined], // recursive, below
]);

const LOGICAL = new Set(['$and', '$or', '$nor']);
const REGEX_OPTIONS = /^[imsu]*$/;

/**
 * A `$pull` document of operators (`{ $gte: 6 }`) is a condition on each element; any other
 * document (logical operators included) is a query on the elements that are documents.
 */
export function isElementCondition(arg: Record<string, unknown>): boolean {
  return Object.keys(arg).some((key) => key.startsWith('$') && !LOGICAL.has(key) && key !== '$expr');
}

/** Checks a `$pull` argument that is a document, as the operator will read it. */
export function checkPullCondition(arg: Record<string, JsonValue>, where: string): void {
  if (isElementCondition(arg)) checkFieldCondition(arg, where);
  else checkQuery(arg, where);
}

function fail(where: string, what: string): never {
  throw new PatchValidationError('ERR_INVALID_CONDITION', `${where}: ${what}`);
}

function hasOperatorKeys(value: Record<string, unknown>): boolean {
  return Object.keys(value).some((key) => key.startsWith('$'));
}

/** A whole query: field paths and top-level `$and`/`$or`/`$nor`/`$expr`. */
export function checkQuery(query: Record<string, JsonValue>, where: string): void {
  for (const key of Object.keys(query)) {
    const value = query[key]!;
    if (LOGICAL.has(key)) {
      if (!Array.isArray(value) || value.length === 0 || !value.every(isPlainObject)) {
        fail(where, `${key} needs a non-empty array of conditions`);
      }
      value.forEach((clause, i) => checkQuery(clause as Record<string, JsonValue>, `${where} ${key}[${i}]`));
    } else if (key === '$expr' || key === '$comment') {
      continue;
    } else if (key.startsWith('$')) {
      fail(where, `unknown top-level query operator '${key.slice(0, 40)}'`);
    } else {
      checkFieldCondition(value, `${where} '${key}'`);
    }
  }
}

/** What a field is matched against: a literal, or a document of field operators. */
export function checkFieldCondition(value: JsonValue, where: string): void {
  if (!isPlainObject(value) || !hasOperatorKeys(value)) return;
  const keys = Object.keys(value);
  for (const key of keys) {
    const check = FIELD_OPERATORS.get(key);
    if (check === undefined) {
      fail(where, key.startsWith('$') ? `unknown query operator '${key.slice(0, 40)}'` : `'${key}' mixed with query operators (an operator document holds operators only)`);
    }
    const problem = check(value[key]!);
    if (problem !== undefined) fail(where, `${key} ${problem}`);
  }
  if (Object.hasOwn(value, '$regex') || Object.hasOwn(value, '$options')) checkRegex(value, where);
  if (Object.hasOwn(value, '$not')) {
    const inner = value.$not!;
    if (!isPlainObject(inner) || !hasOperatorKeys(inner)) fail(where, '$not needs a document of query operators');
    checkFieldCondition(inner, `${where} $not`);
  }
  if (Object.hasOwn(value, '$elemMatch')) {
    const inner = value.$elemMatch!;
    if (!isPlainObject(inner)) fail(where, '$elemMatch needs a document');
    if (hasOperatorKeys(inner) && Object.keys(inner).every((k) => !LOGICAL.has(k))) {
      checkFieldCondition(inner, `${where} $elemMatch`);
    } else checkQuery(inner, `${where} $elemMatch`);
  }
}

function checkRegex(value: Record<string, JsonValue>, where: string): void {
  const source = value.$regex;
  const options = value.$options ?? '';
  if (typeof source !== 'string') fail(where, '$regex needs a string pattern');
  if (typeof options !== 'string' || !REGEX_OPTIONS.test(options)) {
    fail(where, '$options takes the letters i, m, s and u');
  }
  try {
    // Compiled, never run: only whether it is a pattern at all.
    new RegExp(source, options);
  } catch (error) {
    fail(where, `$regex is not a valid pattern (${error instanceof Error ? error.message : String(error)})`);
  }
  try {
    // Conditions run on RE2's linear-time engine (safe-regex.ts): refuse what it cannot run now.
    compileLinear(source, options);
  } catch (error) {
    fail(where, error instanceof Error ? error.message : String(error));
  }
}
