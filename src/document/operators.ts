import {
  $addToSet,
  $bit,
  $inc,
  $max,
  $min,
  $mul,
  $pop,
  $pull,
  $pullAll,
  $push,
  $rename,
  $set,
  $unset,
} from 'mingo/operators/update';
import type { JsonObject, JsonValue, UpdateOperator } from '../types.js';
import { type FastRun, fastInc, fastSet, fastUnset } from './fast-operators.js';
import { UPDATE_OPTIONS } from './mingo.js';

/** Runs one operator's argument against a root that mingo may mutate; returns the changed paths. */
export type OperatorRun = (
  expr: Record<string, JsonValue>,
  arrayFilters: JsonObject[],
) => (root: JsonObject) => string[];

/** Why the value found at a path cannot take the operator, or undefined when it can. */
export type LeafCheck = (found: JsonValue | undefined, arg: JsonValue) => string | undefined;

/** How one update operator behaves, as far as copy-on-write and the timestamp rule care. */
export interface OperatorSpec {
  readonly run: OperatorRun;
  /** The result ignores the value found there: the timestamp rule applies to it. */
  readonly absolute: boolean;
  /** mingo creates missing objects along the path (its `buildGraph`). */
  readonly builds: boolean;
  /** mingo changes the array found at the path in place, so it must be copied first. */
  readonly mutatesLeaf: boolean;
  readonly checkLeaf?: LeafCheck;
  /** A direct implementation for plain object paths (fast-operators.ts); mingo runs the rest. */
  readonly fast?: FastRun;
}

function typeName(value: JsonValue): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
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

const checkBit: LeafCheck = (found) => {
  if (found === undefined || (typeof found === 'number' && Number.isInteger(found)))
    return undefined;
  return `cannot apply $bit to a value of type ${found === null || typeof found !== 'number' ? typeName(found) : 'non-integer number'}`;
};

// The casts narrow our JSON argument to the shape each mingo signature names; validation
// (validatePatchInput) has already checked that shape.
const o = UPDATE_OPTIONS;
const absolute = { absolute: true, mutatesLeaf: false } as const;
const relative = { absolute: false } as const;

/** The operators, keyed by name. `$currentDate` runs as `$set` with a value from the patch's ts. */
export const OPERATORS: ReadonlyMap<string, OperatorSpec> = new Map<UpdateOperator, OperatorSpec>([
  ['$set', { ...absolute, builds: true, fast: fastSet, run: (e, f) => $set(e, f, o) }],
  ['$currentDate', { ...absolute, builds: true, fast: fastSet, run: (e, f) => $set(e, f, o) }],
  [
    '$unset',
    { ...absolute, builds: false, fast: fastUnset, run: (e, f) => $unset(e as Record<string, ''>, f, o) },
  ],
  [
    '$rename',
    { ...absolute, builds: false, run: (e, f) => $rename(e as Record<string, string>, f, o) },
  ],
  [
    '$inc',
    {
      ...relative,
      builds: true,
      mutatesLeaf: false,
      checkLeaf: numeric('$inc', (a, b) => a + b),
      fast: fastInc,
      run: (e, f) => $inc(e as Record<string, number>, f, o),
    },
  ],
  [
    '$mul',
    {
      ...relative,
      builds: true,
      mutatesLeaf: false,
      checkLeaf: numeric('$mul', (a, b) => a * b),
      run: (e, f) => $mul(e as Record<string, number>, f, o),
    },
  ],
  ['$min', { ...relative, builds: true, mutatesLeaf: false, run: (e, f) => $min(e, f, o) }],
  ['$max', { ...relative, builds: true, mutatesLeaf: false, run: (e, f) => $max(e, f, o) }],
  [
    '$bit',
    {
      ...relative,
      builds: true,
      mutatesLeaf: false,
      checkLeaf: checkBit,
      run: (e, f) => $bit(e as Record<string, Record<'and' | 'or' | 'xor', number>>, f, o),
    },
  ],
  [
    '$push',
    {
      ...relative,
      builds: true,
      mutatesLeaf: true,
      checkLeaf: needsArray('$push'),
      run: (e, f) => $push(e, f, o),
    },
  ],
  [
    '$addToSet',
    {
      ...relative,
      builds: true,
      mutatesLeaf: false,
      checkLeaf: needsArray('$addToSet'),
      run: (e, f) => $addToSet(e, f, o),
    },
  ],
  [
    '$pop',
    {
      ...relative,
      builds: false,
      mutatesLeaf: true,
      checkLeaf: needsArray('$pop'),
      run: (e, f) => $pop(e as Record<string, 1 | -1>, f, o),
    },
  ],
  [
    '$pull',
    {
      ...relative,
      builds: false,
      mutatesLeaf: false,
      checkLeaf: needsArray('$pull'),
      run: (e, f) => $pull(e, f, o),
    },
  ],
  [
    '$pullAll',
    {
      ...relative,
      builds: false,
      mutatesLeaf: false,
      checkLeaf: needsArray('$pullAll'),
      run: (e, f) => $pullAll(e as Record<string, JsonValue[]>, f, o),
    },
  ],
]);
