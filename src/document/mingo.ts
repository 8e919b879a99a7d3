/**
 * mingo, set up once for this module. The update operator functions take mingo's internal
 * `ComputeOptions`, whose class no public entry point of mingo 7 exports; mingo's own
 * default for them has `scriptEnabled: true` and makes `_id` immutable. So we let mingo
 * build the instance itself, through its public custom-operator hook: a query operator
 * receives the options of the query it is compiled into.
 */
import { Context } from 'mingo/core';
import * as arithmeticOperators from 'mingo/operators/expression/arithmetic';
import * as booleanOperators from 'mingo/operators/expression/boolean';
import * as comparisonOperators from 'mingo/operators/expression/comparison';
import * as conditionalOperators from 'mingo/operators/expression/conditional';
import * as queryOperators from 'mingo/operators/query';
import type { $set } from 'mingo/operators/update';
import { Query } from 'mingo/query';
import type { Options } from 'mingo/types';
import { $linearRegex } from './safe-regex.js';

/** What mingo's update operator functions take as their options. */
export type UpdateOptions = NonNullable<Parameters<typeof $set>[2]>;

/**
 * mingo treats its `idKey` field as immutable. A path with an empty segment can never be
 * written (validation refuses it), so `_id` becomes an ordinary field.
 */
const UNREACHABLE_ID_KEY = '.';

/**
 * Query and expression operators a condition may use. Only deterministic ones: no
 * `$where`/`$function` (scripts), no `$rand`; `scriptEnabled: false` refuses scripts again.
 */
const conditionContext = Context.init()
  // `$regex` runs in linear time (safe-regex.ts): mingo's own backtracks on every replica.
  .addQueryOps({ ...queryOperators, $regex: $linearRegex })
  .addExpressionOps(booleanOperators)
  .addExpressionOps(comparisonOperators)
  .addExpressionOps(arithmeticOperators)
  .addExpressionOps(conditionalOperators);

/** Options for every mingo `Query` memsync compiles (conditions, array filters). */
export const QUERY_OPTIONS: Partial<Options> = Object.freeze({
  context: conditionContext,
  idKey: UNREACHABLE_ID_KEY,
  scriptEnabled: false,
  useStrictMode: true,
});

function isUpdateOptions(value: unknown): value is UpdateOptions {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as {
    update?: unknown;
    local?: unknown;
    idKey?: unknown;
    scriptEnabled?: unknown;
  };
  return (
    typeof candidate.update === 'function' &&
    typeof candidate.local === 'object' &&
    candidate.idKey === UNREACHABLE_ID_KEY &&
    candidate.scriptEnabled === false
  );
}

function buildUpdateOptions(): UpdateOptions {
  const probe = Symbol('memsync.probe');
  let captured: unknown;
  // A context of its own: `if` conditions never see the probe. Array filters and $pull
  // conditions, which mingo compiles with these options, would only match nothing with it.
  const probeContext = Context.from(conditionContext).addQueryOps({
    $memsyncProbe: (_selector: string, _value: unknown, options: Options) => {
      return (obj: Record<PropertyKey, unknown>) => {
        if (obj[probe] === true) captured = options;
        return false;
      };
    },
  });
  new Query({ x: { $memsyncProbe: 1 } }, { ...QUERY_OPTIONS, context: probeContext }).test({
    [probe]: true,
  });
  if (!isUpdateOptions(captured)) {
    throw new Error('memsync: this mingo version does not hand its options to custom operators');
  }
  // `copy`: values written by $set/$push are shallow-copied (mingo's own default for update()).
  return captured.update({ condition: undefined, updateConfig: { cloneMode: 'copy' } });
}

/** Options for mingo's update operator functions, built once. */
export const UPDATE_OPTIONS: UpdateOptions = buildUpdateOptions();
