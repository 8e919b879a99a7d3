import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { type ApplyOutcome, Replica } from '../../../src/document/index.js';
import { leanPath } from '../../../src/document/lean.js';
import { isWideRoot } from '../../../src/document/wide-root.js';
import type { JsonObject, JsonValue, OrderedPatch } from '../../../src/types.js';
import { jsonValue, patchBody } from './arbitraries.js';

/**
 * The lean path (lean.ts: one `$set`/`$inc`/`$unset` of one plain path) against
 * the general one (plan, CopyOnWrite, operators), on the same ordered entries: one replica
 * with the lean path, one with it switched off, fed alike (entry by entry, in batches, and in
 * an open batch whose watch seals it now and then). Every outcome (applied, reason, message,
 * changed paths), every state (JSON text: key order too), whether an entry made a new root,
 * the stamps and exactly-once tables (the snapshot), and frozen states must agree.
 */

afterEach(() => {
  leanPath.enabled = true;
});

/** Where the state keeps chunked objects (wide-root.ts): JSON does not show them, the lean path must make the same. */
function chunkedPaths(value: JsonValue, path = '', found: string[] = []): string[] {
  if (typeof value !== 'object' || value === null) return found;
  if (isWideRoot(value)) found.push(path);
  for (const key of Object.keys(value)) chunkedPaths((value as Record<string, JsonValue>)[key]!, `${path}/${key}`, found);
  return found;
}

function unfrozenPath(value: JsonValue, path = ''): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (!isWideRoot(value) && !Object.isFrozen(value)) return path;
  for (const key of Object.keys(value)) {
    const found = unfrozenPath((value as Record<string, JsonValue>)[key]!, `${path}/${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Documents with objects, arrays, scalars and nulls on the paths below, some near the chunking bound. */
const initials: JsonObject[] = [
  { a: { x: 1, y: 'y', z: { w: 2 } }, l: [1, { x: 3 }], n: 0, s: 'text', z: null, big: 1e308 },
  { n: 1, l: [0, { x: 1 }] },
  {},
  { a: { x: -0, k0: 0, k1: 1, k2: 2 }, k0: 0, k1: 1 },
  { a: Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`k${i}`, i])), n: 0 },
];

const segment = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('a', 'n', 'x', 'big', 'new') },
  { weight: 3, arbitrary: fc.constantFrom('y', 'z', 'w', 'l', 's', '0', '1', 'k0', 'k1', 'k2') },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', '', '$[]') },
);
/** Mostly a few paths, so that patches meet: the same value set twice, an $inc past the range, a stale write. */
const path = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom('n', 'a', 'a.x', 'a.z.w', 'a.new', 'new', 'new.x', 'big', 'l.0', 'l.1.x', 's.x') },
  { weight: 1, arbitrary: fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => s.join('.')) },
);
const number = fc.oneof({ weight: 3, arbitrary: fc.integer({ min: -1, max: 2 }) }, { weight: 1, arbitrary: fc.constantFrom(0.5, -0, 1e308, -1e308, 2 ** 53) });
const value = fc.oneof(number, number, jsonValue, fc.constant({ x: 1 }), fc.constant({ w: 2 }));

/** Mostly lean patches, some with a condition or array filters, a few general ones. */
const body: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fc.constantFrom('$inc', '$set', '$unset'), path, value).map(([op, p, v]) => ({ update: { [op]: { [p]: op === '$inc' && typeof v !== 'number' ? 1 : v } } })) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('$inc', '$set'), path, number, fc.constantFrom({ n: { $gte: 0 } }, { n: { $lt: 0 } }, { a: { $exists: true } })).map(([op, p, v, c]) => ({ update: { [op]: { [p]: v } }, if: c })) },
  { weight: 1, arbitrary: fc.tuple(path, number).map(([p, v]) => ({ update: { $set: { [p]: v } }, arrayFilters: [] })) },
  { weight: 1, arbitrary: fc.tuple(path, path, number).map(([p, q, v]) => ({ update: { $set: { [p]: v, [q]: v } } })) },
  { weight: 1, arbitrary: fc.tuple(path, fc.constantFrom('p', 1, null)).map(([p, v]) => ({ update: { $inc: { [p]: v } } })) },
  { weight: 2, arbitrary: patchBody.map((b) => ({ ...b }) as Record<string, unknown>) },
);

/** An ordered history from three writers with clocks that disagree: stale writes and duplicates happen. */
const history: fc.Arbitrary<OrderedPatch[]> = fc
  .array(fc.tuple(body, fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 40 }), fc.boolean(), fc.boolean()), { maxLength: 40 })
  .map((steps) => {
    const seqs = new Map<string, number>();
    let previous: Record<string, unknown> | undefined;
    return steps.map(([fresh, writer, ts, resend, again], i): OrderedPatch => {
      // The previous update again, now and then: it then often changes nothing.
      const b = again && previous !== undefined ? previous : fresh;
      previous = b;
      const peer = `w${writer}`;
      const last = seqs.get(peer) ?? 0;
      const seq = resend && last > 0 ? last : last + 1;
      seqs.set(peer, seq);
      return { version: i + 1, epoch: 1, patch: { peer, seq, ts: 1000 + ts, ...b } as OrderedPatch['patch'] };
    });
  });

type Mode = 'one' | 'batch' | 'open';
const modes = fc.array(fc.tuple(fc.constantFrom<Mode>('one', 'batch', 'open'), fc.integer({ min: 1, max: 8 })), { minLength: 1, maxLength: 12 });

interface Shown {
  applied: boolean;
  reason: string | undefined;
  message: string | undefined;
  changedPaths: string[];
  newRoot?: boolean;
}

function shown(outcome: ApplyOutcome, identity: boolean): Shown {
  const s: Shown = { applied: outcome.applied, reason: outcome.reason, message: outcome.message, changedPaths: [...outcome.changedPaths] };
  if (identity) s.newRoot = outcome.after !== outcome.before;
  return s;
}

/** Feeds `entries` to a replica in the given modes; the lean path on or off. */
function run(lean: boolean, initial: JsonObject, wideRootKeys: number | undefined, entries: OrderedPatch[], cuts: Array<[Mode, number]>, seals: boolean[]) {
  leanPath.enabled = lean;
  try {
    const replica = new Replica(initial, wideRootKeys === undefined ? {} : { wideRootKeys });
    const outcomes: Shown[] = [];
    const states: string[] = [];
    let at = 0;
    let watched = 0;
    for (let c = 0; at < entries.length; c++) {
      const [mode, size] = cuts[c % cuts.length]!;
      const part = entries.slice(at, at + size);
      at += part.length;
      if (mode === 'one') for (const entry of part) outcomes.push(shown(replica.apply(entry), true));
      else if (mode === 'batch') for (const outcome of replica.applyBatch(part)) outcomes.push(shown(outcome, false));
      else {
        for (const entry of part) {
          const outcome = replica.applyInBatch(entry, (paths, root) => {
            // What the watch is told must agree too: record it with the outcome.
            outcomes.push({ applied: true, reason: 'watch', message: JSON.stringify(root), changedPaths: [...paths] });
            return seals[watched++ % seals.length]!;
          });
          outcomes.push(shown(outcome, false));
        }
        replica.endBatch();
      }
      const state = replica.state;
      expect(unfrozenPath(state)).toBeUndefined();
      states.push(JSON.stringify(state), chunkedPaths(state).join(' '));
    }
    return { outcomes, states, snapshot: JSON.stringify(replica.snapshot()) };
  } finally {
    leanPath.enabled = true;
  }
}

describe('lean path against the general path', () => {
  it('same outcomes, states, stamps, exactly-once table and frozen states', () => {
    fc.assert(
      fc.property(
        history,
        modes,
        fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 0, max: initials.length - 1 }),
        fc.constantFrom(undefined, 0, 3, 5),
        (entries, cuts, seals, start, wideRootKeys) => {
          const general = run(false, initials[start]!, wideRootKeys, entries, cuts, seals);
          const lean = run(true, initials[start]!, wideRootKeys, entries, cuts, seals);
          expect(lean).toEqual(general);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('re-judges a write after its watch sealed the batch and chunked the root', () => {
    // Sealing turns a root grown to wideRootKeys into a chunked one: the write after it must
    // then go through a draft (the general path), not a copy of the chunked root.
    const states: Array<{ json: string; chunked: boolean }> = [];
    for (const lean of [false, true]) {
      leanPath.enabled = lean;
      const replica = new Replica({ a: 1, b: 1 }, { wideRootKeys: 3 });
      const entry = (version: number, update: Record<string, unknown>): OrderedPatch => ({ version, epoch: 1, patch: { peer: 'w', seq: version, ts: version, update } as OrderedPatch['patch'] });
      replica.applyInBatch(entry(1, { $set: { c: 1 } }), () => false);
      replica.applyInBatch(entry(2, { $inc: { n: 1 } }), () => true);
      replica.endBatch();
      states.push({ json: JSON.stringify(replica.state), chunked: isWideRoot(replica.state) });
    }
    expect(states[1]).toEqual(states[0]);
    expect(states[0]).toEqual({ json: '{"a":1,"b":1,"c":1,"n":1}', chunked: true });
  });

  it('takes the lean path for the plain patches it is meant for (an $inc of one key)', () => {
    // Guards the test above against a lean path that never runs: the general path copies the
    // root before it knows nothing changes, the lean path copies nothing then.
    const replica = new Replica({ n: 1, o: { p: 1 } });
    const entry = (version: number, update: Record<string, unknown>): OrderedPatch => ({ version, epoch: 1, patch: { peer: 'w', seq: version, ts: version, update } as OrderedPatch['patch'] });
    const first = replica.apply(entry(1, { $inc: { n: 1 } }));
    expect(first.after).toEqual({ n: 2, o: { p: 1 } });
    expect((first.after as { o: unknown }).o).toBe((first.before as { o: unknown }).o);
    expect(replica.apply(entry(2, { $inc: { 'o.p': 0 } })).after).toBe(first.after);
  });
});
