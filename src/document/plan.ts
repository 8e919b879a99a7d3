import { tsToMillis } from '../clock/hlc.js';
import type { JsonObject, JsonValue, Patch } from '../types.js';
import { patchFailed, type WriteTarget } from './cow.js';
import { isPlainObject } from './json.js';
import { OPERATORS, type OperatorSpec } from './operators.js';
import { fixedPrefixLength, splitDotted } from './paths.js';

/** What planning and applying need from a patch. */
export type UpdateSource = Pick<Patch, 'update' | 'arrayFilters' | 'ts'>;

/**
 * A patch taken apart once: every path it writes, in the order MongoDB processes them
 * (by field name, numeric names numerically: that order decides where created fields land).
 * The timestamp rule, copy-on-write and the stamp table all read the same parsed paths.
 */
export interface UpdatePlan {
  /** A `$rename` is two writes, its source then its target, next to each other. */
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

function lastPositionalIndex(segments: readonly string[]): number {
  for (let i = segments.length - 1; i > 0; i--) if (segments[i]!.startsWith('$[')) return i;
  return -1;
}

function target(
  op: string,
  path: string,
  arg: JsonValue,
  spec: OperatorSpec,
  renameTarget = false,
): WriteTarget {
  const segments = splitDotted(path);
  return {
    op,
    path,
    segments,
    fixedLength: fixedPrefixLength(segments),
    lastPositional: lastPositionalIndex(segments),
    absolute: spec.absolute,
    builds: renameTarget || spec.builds,
    checkLeaf: spec.checkLeaf,
    arg,
    spec,
  };
}

const NUMERIC = /^\d+$/;

/** MongoDB's order of field names in one document: numeric names numerically, then by name. */
function compareSegments(a: string, b: string): number {
  if (NUMERIC.test(a) && NUMERIC.test(b)) {
    if (a.length !== b.length) return a.length - b.length;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

function comparePaths(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length && i < b.length; i++) {
    const order = compareSegments(a[i]!, b[i]!);
    if (order !== 0) return order;
  }
  return a.length - b.length;
}

/** Sorts writes by path, a `$rename` target kept right after its source. */
function sortWrites(writes: WriteTarget[]): WriteTarget[] {
  const groups: WriteTarget[][] = [];
  for (let i = 0; i < writes.length; i++) {
    const write = writes[i]!;
    if (write.op === '$rename') groups.push([write, writes[++i]!]);
    else groups.push([write]);
  }
  groups.sort((x, y) => comparePaths(x[0]!.segments, y[0]!.segments));
  return groups.flat();
}

/**
 * Parses a patch's update into a plan. Pure: the same patch gives the same plan.
 * @throws MemSyncError `ERR_PATCH_FAILED` for a malformed update (validation prevents those).
 */
export function planUpdate(patch: UpdateSource): UpdatePlan {
  const update: unknown = patch.update;
  if (!isPlainObject(update)) throw patchFailed('an update must be an object of operators');
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
        const write = target(op, path, arg, spec);
        // The first as a literal: an empty array grown by push reserves room for 17, and a
        // plan is made for every patch on every replica (most write one path).
        if (writes.length === 0) writes = [write];
        else writes.push(write);
        continue;
      }
      if (typeof arg !== 'string')
        throw patchFailed(`$rename '${path}': the target must be a string`);
      writes.push(target(op, path, arg, spec));
      writes.push(target(op, arg, arg, spec, true));
    }
  }
  return {
    writes: writes.length > 1 ? sortWrites(writes) : writes,
    arrayFilters: patch.arrayFilters ?? [],
  };
}
