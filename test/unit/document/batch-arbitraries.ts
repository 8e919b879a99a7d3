import fc from 'fast-check';

/** Patches that stress a copy-on-write batch (batch.property.test.ts, frame-batch.property.test.ts). */

/**
 * Updates that fail after their first write: the host validates patches, so these reach a
 * replica only from a faulty peer or store, but one must still leave nothing of itself. The
 * first path sorts before `l`, so its write is made before the operator on `l` throws.
 */
export const failingLate: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    op: fc.constantFrom('$set', '$inc', '$unset'),
    path: fc.constantFrom('a', 'a.x', 'a.z.w', 'b', 'k3', 'a.q.r'),
    v: fc.integer({ min: 1, max: 3 }),
    late: fc.constantFrom<Record<string, unknown>>({ $pull: { l: { $badop: 1 } } }, { $push: { l: { $each: 3 } } }),
  })
  .map(({ op, path, v, late }) => ({ [op]: { [path]: op === '$unset' ? '' : v }, ...late }));


/** Many top-level keys at once: a plain root that turns wide within a batch. */
export const widening = fc.integer({ min: 0, max: 100 }).map((k) => ({
  update: { $set: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${k + i}`, { v: i }])) },
}));

/**
 * Writes into what an earlier patch of the batch made, and patches that move it: a `$rename`
 * takes an object elsewhere, array operators rebuild the array its elements are in, a write
 * past an array's end leaves holes to fill.
 */
export const entangled = fc.constantFrom<Record<string, unknown>>(
  { $inc: { 'a.x': 1 } },
  { $inc: { 'l.2.x': 1 } },
  { $set: { 'l.4': 1 } },
  { $set: { 'l.6.y': 2 } },
  { $inc: { 'b.x': 1 } },
  { $rename: { a: 'b' } },
  { $rename: { b: 'a' } },
  { $rename: { l: 'm' } },
  { $rename: { m: 'l' } },
  { $pop: { l: -1 } },
  { $pull: { l: 2 } },
  { $push: { l: { x: 1 } } },
  { $addToSet: { l: null } },
);

