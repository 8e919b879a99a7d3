import type { JsonValue } from '../types.js';

/**
 * Wide nodes this module froze. `Object.isFrozen` walks every property of an object V8 keeps
 * in dictionary mode (about a thousand keys and up, typical of JSON.parse at that size):
 * asked of each wide subtree beside a written path, on every patch, it cost ~12 ms per
 * `$inc` on a 10 MB document of wide subtrees. A WeakSet answers at once; only wide nodes go
 * in it (a set of every node would slow the first freeze and every GC), and for the others
 * `Object.isFrozen` is a constant-time look at their shape.
 */
const wide = new WeakSet<object>();
/** Keys (or elements) from which a frozen node is remembered in {@link wide}. */
const WIDE = 64;

/**
 * A node whose `[READ_ONLY]` is true is read-only already and must not be walked or frozen:
 * the chunked objects of wide-root.ts (a Proxy that refuses every write but cannot itself be
 * frozen: its traps answer for the chunks, which are frozen in their own way). Asked only of
 * nodes not frozen yet. A brand rather than the WeakSet: every patch makes such a root, and
 * adding each to a WeakSet (and the GC's work on it) was ~15-25 % of applying an `$inc` to a
 * 10,000-key document.
 */
export const READ_ONLY: unique symbol = Symbol('memsync.readOnly');

function readOnly(node: object): boolean {
  return (node as Record<symbol, unknown>)[READ_ONLY] === true;
}

/**
 * Freezes every node of `value` not frozen yet. Every root a replica hands out is frozen
 * throughout, and a new root shares its unchanged subtrees with the old one: so the walk
 * stops at frozen nodes and touches only what the patch made (the copies along the written
 * paths and the values written), at most once each.
 *
 * Why: `mem.data`, `get()`, observer values and change events are the replica's own nodes.
 * A caller writing into one (`mem.data.config.mode = 'x'`) would change this replica alone
 * and split the mesh for good (the next joiner's snapshot would carry it, no patch would).
 * Frozen, the write throws in strict mode (every ES module) and is ignored in sloppy code:
 * either way nothing changes anywhere.
 */
export function freezeFresh(value: JsonValue | undefined): void {
  if (deferred > 0) return;
  if (typeof value !== 'object' || value === null || wide.has(value) || Object.isFrozen(value) || readOnly(value)) return;
  Object.freeze(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) freezeFresh(value[i]);
    if (value.length > WIDE) wide.add(value);
    return;
  }
  let keys = 0;
  for (const key in value) {
    keys++;
    freezeFresh(value[key]);
  }
  if (keys > WIDE) wide.add(value);
}

/**
 * Freezes one node of a state being checked where it lies (json.ts, `freeze`): its children
 * were checked, and frozen, before it. What {@link freezeFresh} would do to it, in the same
 * walk: a snapshot's 10 MB state was walked once to check it and once more to freeze it.
 */
export function frozenChecked(node: object, size: number): void {
  if (wide.has(node) || Object.isFrozen(node) || readOnly(node)) return;
  Object.freeze(node);
  if (size > WIDE) wide.add(node);
}

/**
 * {@link frozenChecked} for a node JSON.parse has just made: nobody froze it, so neither the
 * WeakSet nor `Object.isFrozen` (a walk of every property of a wide node) is asked first.
 */
export function freezeParsedNode(node: object, size: number): void {
  Object.freeze(node);
  if (size > WIDE) wide.add(node);
}

/** Whether `node` is frozen (or read-only already), answered at once for wide nodes. */
export function isFrozenNode(node: object): boolean {
  return wide.has(node) || Object.isFrozen(node) || readOnly(node);
}

/** Inside {@link deferringFreeze}: freezeFresh does nothing. */
let deferred = 0;

/**
 * Runs `body` with freezing deferred: for a replay whose intermediate roots nobody sees (a
 * store's log applied at start), where freezing each new root cost about half of applying
 * an `$inc`. The caller freezes the final root once (freezeFresh of each of its values
 * reaches every node made meanwhile: a node a patch made has only made nodes above it).
 */
export function deferringFreeze<T>(body: () => T): T {
  deferred++;
  try {
    return body();
  } finally {
    deferred--;
  }
}
