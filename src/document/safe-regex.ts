/**
 * `$regex` in conditions, array filters and `$pull`, matched in linear time. A condition runs
 * on every replica, so one backtracking pattern (`^(a+)+$` against 28 characters: 6-12 s)
 * froze the whole mesh. Patterns are compiled by re2js, a port of RE2: no backreferences,
 * no lookaround, and a match costs time proportional to the text (times the pattern), never
 * exponential. A pattern RE2 cannot run is refused with ERR_INVALID_CONDITION.
 *
 * The work of one condition is bounded too: the texts its regular expressions read, all
 * together, may be {@link MAX_REGEX_TEXT_CHARS} long (a condition over an array of long
 * strings would otherwise read them all). Past that the condition fails with
 * ERR_LIMIT_EXCEEDED, the same way on every replica (the count depends only on the state
 * and the condition), and the patch is refused as `failed`.
 */
import * as queryOperators from 'mingo/operators/query';
import type { Options } from 'mingo/types';
import { RE2JS } from 're2js';
import { MemSyncError } from '../errors.js';

/** Longest pattern accepted, in characters. */
export const MAX_REGEX_PATTERN_CHARS = 1024;

/**
 * Characters of text the regular expressions of one condition (or of one patch's array
 * filters and `$pull` conditions) may read in all. ~130 ms at worst on a 2-core machine of 2026
 * (re2js, `^(a+)+$` on 64 Ki characters); typically far less.
 */
export const MAX_REGEX_TEXT_CHARS = 65_536;

/** Characters left in the current budget. */
let remaining = MAX_REGEX_TEXT_CHARS;

/**
 * Runs `evaluate` (one condition, or one patch's updates) with a fresh budget of
 * {@link MAX_REGEX_TEXT_CHARS} characters for the regular expressions it matches.
 */
export function withRegexBudget<T>(evaluate: () => T): T {
  const outer = remaining;
  remaining = MAX_REGEX_TEXT_CHARS;
  try {
    return evaluate();
  } finally {
    remaining = outer;
  }
}

/** What mingo's `$regex` predicate calls: `exec`, truthy for a match. */
interface Execable {
  exec(text: string): [string] | null;
}

/**
 * mingo's `$regex` query operator (its path resolution and array handling, unchanged) with
 * the expression swapped for a linear-time one. mingo has already turned `{ $regex, $options }`
 * into a JavaScript RegExp by the time an operator sees it; that is only parsed, never run.
 * @throws MemSyncError `ERR_INVALID_CONDITION` for a pattern RE2 cannot run or one too long.
 */
export function $linearRegex(selector: string, value: unknown, options: Options) {
  return queryOperators.$regex(selector, toLinear(value) as unknown as RegExp, options);
}

function toLinear(value: unknown): Execable {
  const { source, flags } =
    value instanceof RegExp ? value : { source: String(value), flags: '' };
  const compiled = compileLinear(source, flags);
  return {
    exec(text) {
      remaining -= text.length;
      if (remaining < 0) {
        throw new MemSyncError(
          'ERR_LIMIT_EXCEEDED',
          `$regex would read more than ${MAX_REGEX_TEXT_CHARS} characters of text in one condition`,
        );
      }
      return compiled.test(text) ? [text] : null;
    },
  };
}

/**
 * Compiles a pattern for RE2's linear-time engine. Also what validation uses, so that a
 * pattern RE2 cannot run is refused when written, not when applied.
 * @throws MemSyncError `ERR_INVALID_CONDITION` for a pattern RE2 cannot run or one too long.
 */
export function compileLinear(source: string, flags: string): RE2JS {
  if (source.length > MAX_REGEX_PATTERN_CHARS) {
    throw new MemSyncError(
      'ERR_INVALID_CONDITION',
      `$regex pattern of ${source.length} characters is longer than ${MAX_REGEX_PATTERN_CHARS}`,
    );
  }
  try {
    return RE2JS.compile(source, re2Flags(flags));
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new MemSyncError(
      'ERR_INVALID_CONDITION',
      `$regex /${source}/ cannot be matched in linear time (backreferences and lookaround are not supported): ${why}`,
      { cause },
    );
  }
}

/** JavaScript flags to RE2's: `i`, `m`, `s` carry over; `g`, `y`, `u`, `d` change nothing for a test. */
function re2Flags(flags: string): number {
  let result = 0;
  if (flags.includes('i')) result |= RE2JS.CASE_INSENSITIVE;
  if (flags.includes('m')) result |= RE2JS.MULTILINE;
  if (flags.includes('s')) result |= RE2JS.DOTALL;
  return result;
}
