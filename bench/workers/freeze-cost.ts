/**
 * What freezing costs a patch (issue #10, frozen reads): the `freezeFresh` walk over the
 * nodes a copy-on-write patch of each apply kind makes fresh, timed on the same document
 * shapes as the apply rows. Two loops make the same fresh copies; one also freezes them;
 * the difference, per patch, is the freeze. (The copy is not timed twice: it is what every
 * patch pays anyway.) Freezing stops at nodes already frozen, so it is the fresh nodes only.
 */
import { freezeFresh, READ_ONLY } from '../../src/document/freeze.js';
import { wideRoot, withOwnValue } from '../../src/document/wide-root.js';
import type { JsonObject, JsonValue } from '../../src/index.js';
import type { FreezeKind } from './micro-commands.js';

const WIDE_KEYS = 10_000;

function frozenState(kind: FreezeKind): JsonObject {
  const list = Array.from({ length: 100 }, (_, i) => i);
  const state: JsonObject = { n: 0, a: { x: 0 }, b: { y: 0 }, list };
  if (kind !== 'incWide') {
    freezeFresh(state);
    return state;
  }
  for (let k = 0; k < WIDE_KEYS; k++) state[`k${k}`] = 0;
  return wideRoot(state);
}

/** The nodes a patch of `kind` makes fresh: copies of the containers on its written paths. */
const FRESH: Record<FreezeKind, (s: JsonObject) => JsonObject> = {
  inc: (s) => ({ ...s, n: 1 }),
  conditionalInc: (s) => ({ ...s, n: 1 }),
  set2: (s) => ({ ...s, a: { ...(s.a as JsonObject), x: 1 }, b: { ...(s.b as JsonObject), y: 1 } }),
  pushEach: (s) => ({ ...s, list: [...(s.list as JsonValue[]).slice(3), 1, 2, 3] }),
  // A 10,000-key root is chunked (wide-root.ts): a one-key write makes a new root that shares
  // the key index and every chunk but one, branded read-only, so the freeze walk stops at it.
  // A spread of a plain 10,000-key object, as this row once timed, is not what a patch makes.
  incWide: (s) => withOwnValue(s, 'k0', 1)!,
};

/** Frozen, or read-only by the brand a chunked root carries (freeze.ts). */
function immutable(node: JsonObject): boolean {
  return Object.isFrozen(node) || (node as Record<symbol, unknown>)[READ_ONLY] === true;
}

/** Nanoseconds per patch spent freezing what a patch of `kind` makes. */
export function freezeCost(kind: FreezeKind, count: number): number {
  const state = frozenState(kind);
  const fresh = FRESH[kind];
  let sink = 0;
  const loop = (freeze: boolean): number => {
    const began = process.hrtime.bigint();
    for (let i = 0; i < count; i++) {
      const made = fresh(state);
      if (freeze) freezeFresh(made);
      // Asked in both loops alike (the copy stays live); counted for the freezing one only.
      const done = immutable(made);
      if (freeze && done) sink++;
    }
    return Number(process.hrtime.bigint() - began);
  };
  // Warm both loops, then alternate them so a load spike falls on both alike.
  loop(false);
  loop(true);
  let plain = 0;
  let frozen = 0;
  for (let round = 0; round < 4; round++) {
    plain += loop(false);
    frozen += loop(true);
  }
  if (sink !== count * 5) throw new Error(`${kind}: freezing did not happen`);
  return Math.max(0, frozen - plain) / (4 * count);
}
