import type { JsonValue, UpdateOperator } from '../types.js';
import {
  applyAddToSet,
  applyPop,
  applyPull,
  applyPullAll,
  applyPush,
} from './array-operators.js';
import { bsonCompare, bsonEqual } from './bson.js';
import { type LeafApply, readLeaf, typeName, writeLeaf } from './leaf.js';

/** Why the value found at a path cannot take the operator, or undefined when it can. */
export type LeafCheck = (found: JsonValue | undefined, arg: JsonValue) => string | undefined;

/** How one update operator behaves, as far as copy-on-write and the timestamp rule care. */
export interface OperatorSpec {
  /** The result ignores the value found there: the timestamp rule applies to it. */
  readonly absolute: boolean;
  /** Creates missing objects along the path (and the leaf), as MongoDB does. */
  readonly builds: boolean;
  readonly checkLeaf?: LeafCheck;
  /** Writes the operator at one leaf. `$rename`, which moves a value, has none (apply-update.ts). */
  readonly apply?: LeafApply;
}

function numeric(op: string, combine: (a: number, b: number) => number): LeafCheck {
  return (found, arg) => {
    if (found === undefined) return undefined;
    if (typeof found !== 'number')
      return `cannot apply ${op} to a value of type ${typeName(found)}`;
    // JSON has no Infinity: a result out of range would read back as null elsewhere.
    if (!Number.isFinite(combine(found, arg as number))) return `${op} result is out of range`;
    return undefined;
  };
}

function needsArray(op: string): LeafCheck {
  return (found) => {
    if (found === undefined || Array.isArray(found)) return undefined;
    return `cannot apply ${op} to a value of type ${typeName(found)}`;
  };
}

/**
 * `$bit` is exact: the stored integer and the operand are taken as 64-bit two's complement
 * integers (BigInt), as MongoDB does for a long. JSON numbers are doubles, so a value beyond
 * ±(2^53 - 1) is not an exact integer: such a stored value, or a result out of that range,
 * is refused rather than rounded.
 */
function bitResult(found: number, arg: JsonValue): number {
  const [operation, operand] = Object.entries(arg as Record<string, number>)[0]!;
  const a = BigInt(found);
  const b = BigInt(operand);
  return Number(operation === 'and' ? a & b : operation === 'or' ? a | b : a ^ b);
}

const checkBit: LeafCheck = (found, arg) => {
  if (found === undefined) return undefined;
  if (typeof found !== 'number' || !Number.isInteger(found))
    return `cannot apply $bit to a value of type ${typeof found === 'number' ? 'non-integer number' : typeName(found)}`;
  if (!Number.isSafeInteger(found))
    return `cannot apply $bit to ${found}: beyond ±(2^53 - 1) a JSON number is not an exact integer`;
  if (!Number.isSafeInteger(bitResult(found, arg)))
    return '$bit result is beyond ±(2^53 - 1), where a JSON number is not an exact integer';
  return undefined;
};

const applySet: LeafApply = (leaf, arg) => {
  if (bsonEqual(readLeaf(leaf), arg)) return false;
  // The value is the patch's own validated copy, never changed afterwards: it may be shared.
  writeLeaf(leaf, arg);
  return true;
};

/** `$unset` removes a field; on an array element it sets null, keeping the positions. */
const applyUnset: LeafApply = (leaf) => {
  const { holder, key } = leaf;
  if (Array.isArray(holder)) {
    if (typeof key !== 'number' || key >= holder.length || holder[key] === null) return false;
    holder[key] = null;
    return true;
  }
  if (!Object.hasOwn(holder, key)) return false;
  delete holder[key];
  return true;
};

function arithmetic(missing: (arg: number) => number, combine: (a: number, b: number) => number): LeafApply {
  return (leaf, arg) => {
    const found = readLeaf(leaf) as number | undefined;
    const next = found === undefined ? missing(arg as number) : combine(found, arg as number);
    if (next === found) return false;
    writeLeaf(leaf, next);
    return true;
  };
}

/**
 * `$min` (sign -1) / `$max` (sign 1): writes the argument when the field is missing or the
 * argument is smaller / greater in the server's order of values.
 */
function extreme(sign: 1 | -1): LeafApply {
  return (leaf, arg) => {
    const found = readLeaf(leaf);
    if (found !== undefined && sign * bsonCompare(arg, found) <= 0) return false;
    writeLeaf(leaf, arg);
    return true;
  };
}

const applyBit: LeafApply = (leaf, arg) => {
  const found = readLeaf(leaf) as number | undefined;
  const next = bitResult(found ?? 0, arg);
  if (next === found) return false;
  writeLeaf(leaf, next);
  return true;
};

const absolute = { absolute: true, builds: true } as const;
const relative = { absolute: false, builds: true } as const;
const removing = { absolute: false, builds: false } as const;

/** The operators, keyed by name. `$currentDate` runs as `$set` with a value from the patch's ts. */
export const OPERATORS: ReadonlyMap<string, OperatorSpec> = new Map<UpdateOperator, OperatorSpec>([
  ['$set', { ...absolute, apply: applySet }],
  ['$currentDate', { ...absolute, apply: applySet }],
  ['$unset', { absolute: true, builds: false, apply: applyUnset }],
  ['$rename', { absolute: true, builds: false }],
  [
    '$inc',
    { ...relative, checkLeaf: numeric('$inc', (a, b) => a + b), apply: arithmetic((n) => n, (a, b) => a + b) },
  ],
  [
    '$mul',
    // A missing field becomes 0 "of the same numeric type as the multiplier" (the manual).
    { ...relative, checkLeaf: numeric('$mul', (a, b) => a * b), apply: arithmetic(() => 0, (a, b) => a * b) },
  ],
  ['$min', { ...relative, apply: extreme(-1) }],
  ['$max', { ...relative, apply: extreme(1) }],
  ['$bit', { ...relative, checkLeaf: checkBit, apply: applyBit }],
  ['$push', { ...relative, checkLeaf: needsArray('$push'), apply: applyPush }],
  ['$addToSet', { ...relative, checkLeaf: needsArray('$addToSet'), apply: applyAddToSet }],
  ['$pop', { ...removing, checkLeaf: needsArray('$pop'), apply: applyPop }],
  ['$pull', { ...removing, checkLeaf: needsArray('$pull'), apply: applyPull }],
  ['$pullAll', { ...removing, checkLeaf: needsArray('$pullAll'), apply: applyPullAll }],
]);
