/**
 * mingo, set up once: memsync uses its query engine only (conditions, array filters, `$pull`
 * conditions). The update operators are memsync's own (operators.ts), written to the
 * MongoDB manual.
 */
import { Context } from 'mingo/core';
import * as arithmeticOperators from 'mingo/operators/expression/arithmetic';
import * as booleanOperators from 'mingo/operators/expression/boolean';
import * as comparisonOperators from 'mingo/operators/expression/comparison';
import * as conditionalOperators from 'mingo/operators/expression/conditional';
import * as queryOperators from 'mingo/operators/query';
import type { Options } from 'mingo/types';
import { $linearRegex } from './safe-regex.js';

/**
 * mingo gives its `idKey` field special treatment. A path with an empty segment can never be
 * written (validation refuses it), so `_id` is an ordinary field.
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
