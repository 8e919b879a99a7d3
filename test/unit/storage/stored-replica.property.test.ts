import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Replica } from '../../../src/document/index.js';
import { StorageError } from '../../../src/errors.js';
import { replicaFromStore } from '../../../src/storage/stored-replica.js';
import type { JsonObject, JsonValue, OrderedPatch } from '../../../src/types.js';
import { initialDocument, patchBody } from '../document/arbitraries.js';

/** Every container reachable from `value` is frozen (a wide root is a read-only proxy: its values are walked). */
function unfrozenPath(value: JsonValue, path = ''): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (path !== '' && !Object.isFrozen(value)) return path;
  for (const key of Object.keys(value)) {
    const found = unfrozenPath((value as Record<string, JsonValue>)[key]!, `${path}/${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A history of random valid patches from a few writers, some adding many top-level keys (a root that turns wide). */
const history = fc
  .array(fc.oneof({ weight: 4, arbitrary: patchBody.map((body) => ({ ...body })) }, fc.integer({ min: 0, max: 200 }).map((k) => ({ update: { $set: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${k + i}`, { v: i }])) } }))), {
    maxLength: 40,
  })
  .map((bodies) =>
    bodies.map((body, i): OrderedPatch => ({ version: i + 1, epoch: 1, patch: { peer: `w${i % 3}`, seq: Math.floor(i / 3) + 1, ts: 1000 + i, ...body } as OrderedPatch['patch'] })),
  );

describe('replicaFromStore (replay with freezing deferred to the end)', () => {
  it('reaches the state entry-by-entry application reaches, frozen throughout', () => {
    fc.assert(
      fc.property(history, fc.boolean(), (entries, wideFromStart) => {
        const initial: JsonObject = wideFromStart ? { ...initialDocument, ...Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`w${i}`, { i }])) } : initialDocument;
        const snapshot = new Replica(initial).snapshot();
        const one = Replica.fromSnapshot(snapshot);
        for (const entry of entries) one.apply(entry);
        const replayed = replicaFromStore({ snapshot, entries }, {}, 'test-store');
        expect(JSON.stringify(replayed.snapshot())).toBe(JSON.stringify(one.snapshot()));
        expect(unfrozenPath(replayed.state)).toBeUndefined();
        if (!Array.isArray(replayed.state) && Object.keys(replayed.state).length < 65) expect(Object.isFrozen(replayed.state)).toBe(true);
        // Installed again (what the host does next): the same state, still usable for writes.
        const installed = Replica.fromSnapshot(replayed.snapshot());
        installed.apply({ version: installed.version + 1, epoch: 1, patch: { peer: 'z', seq: 1, ts: 5000, update: { $inc: { n: 1 } } } });
        expect(unfrozenPath(installed.state)).toBeUndefined();
      }),
      { numRuns: 150 },
    );
  });

  it('refuses a gap and a malformed entry, naming the store', () => {
    const snapshot = new Replica({ n: 0 }).snapshot();
    const entry = (version: number, update: unknown): OrderedPatch => ({ version, epoch: 1, patch: { peer: 'w', seq: version, ts: 1000 + version, update } as OrderedPatch['patch'] });
    for (const entries of [[entry(1, { $inc: { n: 1 } }), entry(3, { $inc: { n: 1 } })], [entry(1, { $set: { __proto__x: 1, 'a.__proto__': 1 } })]]) {
      let error: unknown;
      try {
        replicaFromStore({ snapshot, entries }, {}, 'the-store-file');
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).code).toBe('ERR_STORAGE_CORRUPT');
      expect((error as StorageError).message).toMatch(/does not hold together/);
    }
  });
});
