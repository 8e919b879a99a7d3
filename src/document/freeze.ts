import type { JsonValue } from '../types.js';

/**
 * Nodes this module froze. `Object.isFrozen` walks every property of an object V8 keeps in
 * dictionary mode (more than about a thousand keys, or built by JSON.parse at that size):
 * asked of each wide subtree next to a written path, on every patch, it cost ~12 ms per
 * `$inc` on a 10 MB document. A WeakSet answers in constant time.
 */
const frozen = new WeakSet<object>();

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
  if (typeof value !== 'object' || value === null || frozen.has(value)) return;
  frozen.add(value);
  // Frozen by someone else (a caller's own frozen value written in): still walked once,
  // its children may not be.
  Object.freeze(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) freezeFresh(value[i]);
    return;
  }
  for (const key in value) freezeFresh(value[key]);
}
