import { tsToMillis } from '../clock/hlc.js';
import type { JsonObject, JsonValue, Patch } from '../types.js';
import { patchFailed, type WriteTarget } from './cow.js';
import { isPlainObject } from './json.js';
import { OPERATORS, type OperatorSpec } from './operators.js';
import { fixedPrefixLength, splitDotted } from './paths.js';

/** What planning and applying need from a patch. */
export type UpdateSource = Pick<Patch, 'update' | 'arrayFilters' | 'ts'>;

/** One operator with its argument, as mingo will run it. */
export interface OperatorRunPlan {
  readonly spec: OperatorSpec;
  readonly expr: Record<string, JsonValue>;
}

/**
 * A patch taken apart once: the operators to run and every path they write. The timestamp
 * rule, copy-on-write and the stamp table all read the same parsed paths.
 */
export interface UpdatePlan {
  readonly runs: readonly OperatorRunPlan[];
  readonly writes: readonly WriteTarget[];
  readonly arrayFilters: JsonObject[];
}

/**
 * `$currentDate` must not read the clock (every replica would get another time): its value
 * comes from the patch's timestamp. The state is JSON, so a date is an ISO 8601 string.
 */
function currentDateAsSet(expr: Record<string, unknown>, ts: number): Record<string, JsonValue> {
  const millis = tsToMillis(ts);
  const values: Record<string, JsonValue> = {};
  for (const path of Object.keys(expr)) {
    const spec = expr[path];
    if (isPlainObject(spec) && spec.$type === 'timestamp') values[path] = millis;
    else if (spec === true || (isPlainObject(spec) && spec.$type === 'date')) {
      values[path] = new Date(millis).toISOString();
    } else throw patchFailed(`$currentDate '${path}': invalid specification`);
  }
  return values;
}

/** A `$push` whose modifiers mingo would skip if it created the array itself. */
function pushCreatesArray(op: string, arg: JsonValue | undefined): boolean {
  if (op !== '$push' || !isPlainObject(arg)) return false;
  if (!Array.isArray(arg.$each) || arg.$each.length === 0) return false;
  return arg.$sort !== undefined || arg.$slice !== undefined || arg.$position !== undefined;
}

function lastPositionalIndex(segments: readonly string[]): number {
  for (let i = segments.length - 1; i > 0; i--) if (segments[i]!.startsWith('$[')) return i;
  return -1;
}

function target(
  op: string,
  path: string,
  arg: JsonValue,
  absolute: boolean,
  builds: boolean,
  mutatesLeaf: boolean,
  spec: OperatorSpec | undefined,
): WriteTarget {
  const segments = splitDotted(path);
  return {
    op,
    path,
    segments,
    fixedLength: fixedPrefixLength(segments),
    lastPositional: lastPositionalIndex(segments),
    absolute,
    builds,
    mutatesLeaf,
    checkLeaf: spec?.checkLeaf,
    arg,
    createsArray: pushCreatesArray(op, arg),
  };
}

/**
 * Parses a patch's update into a plan. Pure: the same patch gives the same plan.
 * @throws MemSyncError `ERR_PATCH_FAILED` for a malformed update (validation prevents those).
 */
export function planUpdate(patch: UpdateSource): UpdatePlan {
  const update: unknown = patch.update;
  if (!isPlainObject(update)) throw patchFailed('an update must be an object of operators');
  let runs: OperatorRunPlan[] = [];
  let writes: WriteTarget[] = [];
  for (const op of Object.keys(update)) {
    const spec = OPERATORS.get(op);
    const raw = update[op];
    if (spec === undefined || !isPlainObject(raw)) {
      throw patchFailed(`invalid operator '${op.slice(0, 80)}'`);
    }
    const expr =
      op === '$currentDate' ? currentDateAsSet(raw, patch.ts) : (raw as Record<string, JsonValue>);
    for (const path of Object.keys(expr)) {
      const arg = expr[path]!;
      if (op !== '$rename') {
        const write = target(op, path, arg, spec.absolute, spec.builds, spec.mutatesLeaf, spec);
        // The first as a literal: an empty array grown by push reserves room for 17, and a
        // plan is made for every patch on every replica (most write one path).
        if (writes.length === 0) writes = [write];
        else writes.push(write);
        continue;
      }
      if (typeof arg !== 'string')
        throw patchFailed(`$rename '${path}': the target must be a string`);
      writes.push(target(op, path, arg, true, false, false, undefined));
      writes.push(target(op, arg, arg, true, true, false, undefined));
    }
    if (runs.length === 0) runs = [{ spec, expr }];
    else runs.push({ spec, expr });
  }
  return { runs, writes, arrayFilters: patch.arrayFilters ?? [] };
}
