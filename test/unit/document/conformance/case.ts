import type { JsonObject } from '../../../../src/types.js';

/**
 * One conformance case, as data: a document, an update (with its options), and what
 * MongoDB's manual says comes of it. Built from the manual's update-operator pages: every
 * printed example (`source: 'example'`) and every stated rule (`source: 'rule'`), plus the
 * server's behaviour where the manual is silent (`source: 'server'`).
 */
export interface ConformanceCase {
  /** The operator page the case comes from (`$push`, `$[<identifier>]`, ...). */
  readonly page: string;
  readonly name: string;
  readonly source: 'example' | 'rule' | 'server';
  readonly doc: JsonObject;
  readonly update: unknown;
  readonly arrayFilters?: unknown;
  /** Patch time, in milliseconds since the epoch ($currentDate). */
  readonly at?: number;
  readonly expect: Expected;
}

export type Expected =
  /** The document after the update, compared field order included. */
  | { readonly doc: JsonObject }
  /** Refused before anything is applied (validation), with this code. */
  | { readonly refused: string; readonly message: RegExp }
  /** Valid, but cannot apply to this document: `applied: false, reason: 'failed'`. */
  | { readonly fails: RegExp };
