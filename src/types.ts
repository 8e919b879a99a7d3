/** Types shared by every layer. Pure declarations: no code runs from this file. */

/** A JSON value, as held in the replicated document. */
export type JsonPrimitive = string | number | boolean | null;
/** Any JSON value: what the document holds at any path. */
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
/** A JSON object: the document itself, a condition, an array filter. */
export type JsonObject = { [key: string]: JsonValue };

/**
 * `T` with every property and element read-only, all the way down: the type of what a
 * replica hands out (`mem.data`, `get()`, observer values, change events), which is frozen
 * at run time too. To change the document, `patch()` it (or write through `live()`).
 */
export type DeepReadonly<T> = T extends JsonPrimitive | undefined
  ? T
  : T extends readonly (infer E)[]
    ? readonly DeepReadonly<E>[]
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

/** Absolute operators: their result does not depend on the value they find. */
export type AbsoluteOperator = '$set' | '$unset' | '$rename' | '$currentDate';
/** Relative operators: they act on whatever value they find, so none is ever lost to a clock. */
export type RelativeOperator =
  | '$inc'
  | '$mul'
  | '$min'
  | '$max'
  | '$bit'
  | '$push'
  | '$addToSet'
  | '$pull'
  | '$pullAll'
  | '$pop';
/** Every update operator memsync accepts: the absolute and the relative ones. */
export type UpdateOperator = AbsoluteOperator | RelativeOperator;

/**
 * A MongoDB-style update document: `{ $set: { 'a.b': 1 }, $inc: { n: 1 } }`.
 * Keys are dotted paths, with `$[]` and `$[id]` positional segments (`$[id]` needs `arrayFilters`).
 */
export type Update = {
  $set?: Record<string, JsonValue>;
  $unset?: Record<string, '' | true | 1>;
  $rename?: Record<string, string>;
  $currentDate?: Record<string, true | { $type: 'date' | 'timestamp' }>;
  $inc?: Record<string, number>;
  $mul?: Record<string, number>;
  $min?: Record<string, JsonValue>;
  $max?: Record<string, JsonValue>;
  $bit?: Record<string, { and: number } | { or: number } | { xor: number }>;
  $push?: Record<string, JsonValue>;
  $addToSet?: Record<string, JsonValue>;
  $pull?: Record<string, JsonValue>;
  $pullAll?: Record<string, JsonValue[]>;
  $pop?: Record<string, 1 | -1>;
};

/** A mingo query, judged against the whole document (`{ stock: { $gt: 0 } }`). */
export type Condition = JsonObject;

/**
 * What a writer sends: the update plus who wrote it and when.
 * `(peer, seq)` identifies the patch for exactly-once; `ts` orders absolute writes.
 */
export interface Patch {
  /** Writer's peer id. */
  peer: string;
  /** Per-writer sequence number, 1, 2, 3, ... without gaps. */
  seq: number;
  /** Hybrid logical clock timestamp when `patch()` was called (see clock/hlc.ts). */
  ts: number;
  update: Update;
  if?: Condition;
  arrayFilters?: JsonObject[];
  /**
   * Messaging: a lock operation the host orders (src/messaging/lock-table.ts). Only in entries
   * of the host's reserved writer, whose update changes nothing; never in a submitted patch.
   */
  msg?: import('./messaging/lock-table.js').LockOp;
}

/** A patch with its place in the total order. */
export interface OrderedPatch {
  version: number;
  /** Epoch of the host that ordered it: (version, epoch) names one entry across failovers. */
  epoch: number;
  patch: Patch;
}

/**
 * Why an ordered patch was not applied: `stale` (an absolute write older than one already on
 * an overlapping path), `condition` (its `if` was false), `duplicate` (already applied),
 * `failed` (mingo refused it, e.g. `$inc` on a string).
 */
export type RefusalReason = 'stale' | 'condition' | 'duplicate' | 'failed';

/**
 * What `patch()` resolves with once the host has ordered it. Every state-dependent outcome
 * arrives here, whatever the timing: a patch refused by the state it meets is
 * `applied: false` (never a rejection), whether that state was already in this process's
 * view or was made by another process first. Only input that is wrong in any state
 * (validation) rejects, at once.
 */
export type PatchResult = AppliedPatch | RefusedPatch;

/** The patch changed the document (or was a no-op on it) at `version`. */
export interface AppliedPatch {
  applied: true;
  /** The version the host gave the patch; this replica has applied it. */
  version: number;
}

/** The patch took `version` but changed nothing. */
export interface RefusedPatch {
  applied: false;
  version: number;
  /**
   * `stale`: a newer write on an overlapping path; `condition`: `if` was false; `duplicate`:
   * already applied; `failed`: the update cannot apply to the state it met (`message` says why).
   */
  reason: RefusalReason;
  /** For `reason: 'failed'`: why, e.g. "'n': cannot apply $inc to a value of type string". */
  message?: string;
}
