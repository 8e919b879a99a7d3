import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  OptimisticView,
  Replica,
  type ValidPatchBody,
  type ViewChange,
  validatePatchInput,
} from '../../../src/document/index.js';
import { ObserverRegistry } from '../../../src/observe/index.js';
import type { JsonObject, JsonValue, OrderedPatch, Patch } from '../../../src/types.js';
import { TICKS_PER_MS } from '../../../src/clock/hlc.js';
import { patchBody } from './arbitraries.js';
import { ReferenceView } from './reference-view.js';

/**
 * The lazy view (entries of others applied on top when they commute, view-commute.ts) against
 * the straightforward one (every such entry replays every pending patch): fed the same
 * entries, both must show the same document after every step, fire the same observer
 * callbacks in the same order, settle the same own patches with the same outcomes.
 */

const initial: JsonObject = {
  a: { x: 1, y: 'y' },
  l: [1, 2, { x: 3 }],
  n: 0,
  s: 'text',
  k0: 0,
  k1: 1,
  k2: { v: 2 },
  k3: 3,
};

const field = fc.constantFrom('k0', 'k1', 'k2.v', 'k3', 'k4', 'a.x', 'a.q', 'n', 's', 'l.1');
/**
 * Mostly small integers; also what integer `$inc`s must not be swapped over: a fraction
 * (addition is not exact) and values near the end of the safe integers.
 */
const amount = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: -2, max: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(0.1, 0.2, 2 ** 52, -(2 ** 53) + 2, Number.MAX_SAFE_INTEGER) },
);
/** Small updates of a handful of fields, mostly existing ones: what commutes most of the time. */
const fieldBody: fc.Arbitrary<ValidPatchBody> = fc
  .record({
    op: fc.constantFrom('$inc', '$inc', '$set', '$unset', '$max', '$currentDate'),
    k: field,
    v: amount,
  })
  .map(({ op, k, v }) => validatePatchInput({ update: { [op]: { [k]: op === '$unset' ? '' : op === '$currentDate' ? true : v } } }));
const body = fc.oneof({ weight: 3, arbitrary: fieldBody }, { weight: 2, arbitrary: patchBody });

type Command =
  | { kind: 'propose'; body: ValidPatchBody }
  | { kind: 'foreign'; body: ValidPatchBody; old: boolean }
  | { kind: 'order'; lower: boolean }
  | { kind: 'duplicate' }
  | { kind: 'withdraw'; pick: number }
  | { kind: 'snapshot' };

function commandOf(body: fc.Arbitrary<ValidPatchBody>, foreignBody = body): fc.Arbitrary<Command> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('propose' as const), body }) },
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('foreign' as const), body: foreignBody, old: fc.boolean() }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('order' as const), lower: fc.boolean() }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'duplicate' as const }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('withdraw' as const), pick: fc.nat(20) }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'snapshot' as const }) },
  );
}
const command = commandOf(body);

/**
 * Only `$inc`s of two fields (several per patch at times), by amounts where the order of the
 * additions can show: fractions and sums past the safe integers. What may be swapped is
 * checked here most sharply.
 */
const incBody: fc.Arbitrary<ValidPatchBody> = fc
  .array(
    fc.record({
      k: fc.constantFrom('k0', 'k1', 'k3'),
      v: fc.oneof(
        fc.integer({ min: -3, max: 3 }),
        fc.constantFrom(0.1, 0.2, 0.3, 2 ** 52, 2 ** 53, -(2 ** 53), Number.MAX_SAFE_INTEGER, 1e300),
      ),
    }),
    { minLength: 1, maxLength: 2 },
  )
  .map((incs) => validatePatchInput({ update: { $inc: Object.fromEntries(incs.map(({ k, v }) => [k, v])) } }));
const incCommand = commandOf(incBody);

/**
 * Own patches write a few fields, mostly of their own; another writer's entries write
 * anything (nested, positional, created and removed fields, top-level ones too): most change
 * only keys no pending patch writes, and the view takes their values from the replica.
 */
const ownBody: fc.Arbitrary<ValidPatchBody> = fc
  .record({ op: fc.constantFrom('$inc', '$set', '$unset'), k: fc.constantFrom('k0', 'k1', 'k2.v', 'a.x'), v: fc.integer({ min: -2, max: 3 }) })
  .map(({ op, k, v }) => validatePatchInput({ update: { [op]: { [k]: op === '$unset' ? '' : v } } }));
const besideCommand = commandOf(ownBody, fc.oneof(patchBody, fieldBody));

const PATTERNS = ['', '*', 'a', 'a.*', 'k0', 'k2.v', 'l', 'l.*', 'n', '*.x'];

interface Side {
  view: OptimisticView | ReferenceView;
  /** What observers and the change stream saw, as text. */
  events: string[];
  registry: ObserverRegistry;
}

function side(make: (replica: Replica) => OptimisticView | ReferenceView, wide: boolean): Side {
  const replica = new Replica(initial, wide ? { wideRootKeys: 0 } : {});
  const registry = new ObserverRegistry({ onError: (error) => { throw error; } });
  const events: string[] = [];
  for (const pattern of PATTERNS) {
    registry.observe(pattern, (value, change) =>
      events.push(`${pattern} ${change.path} ${JSON.stringify(change.previous)} -> ${JSON.stringify(value)} v${change.version} ${change.origin}`),
    );
  }
  return { view: make(replica), events, registry };
}

function emit(s: Side, change: ViewChange, version: number, origin: string): void {
  if (change.before === change.after && change.paths.length === 0) return;
  s.registry.notify(change, { version, origin, local: origin === 'me' });
  // A change event that changes nothing may come or not (object identity); one that does must match.
  const before = JSON.stringify(change.before);
  const after = JSON.stringify(change.after);
  if (before !== after) s.events.push(`change ${before} -> ${after}`);
}

const text = (value: JsonValue): string => JSON.stringify(value);

describe('lazy optimistic view (property)', () => {
  for (const [wide, arbitrary, name] of [
    [false, command, ''],
    [true, command, ' (chunked roots)'],
    [false, incCommand, ' (only increments)'],
    [true, besideCommand, ' (others write beside pending keys, chunked roots)'],
    [false, besideCommand, ' (others write beside pending keys)'],
  ] as const) {
    it(`matches the replaying view step by step${name}`, () => {
      let replays = 0;
      let steps = 0;
      fc.assert(
        fc.property(fc.array(arbitrary, { minLength: 10, maxLength: 70 }), (commands) => {
          const lazy = side((replica) => new OptimisticView(replica, 'me'), wide);
          const plain = side((replica) => new ReferenceView(replica, 'me'), wide);
          const sides = [lazy, plain];
          // A millisecond per step: `$currentDate` sees a lowered stamp.
          let ts = 1_000 * TICKS_PER_MS;
          let seq = 0;
          let foreignSeq = 0;
          let version = 0;
          /** Own patches not yet ordered, oldest first. */
          const unordered: Patch[] = [];
          let lastOrdered: Patch | undefined;

          const deliver = (patch: Patch): void => {
            const entry: OrderedPatch = { version: ++version, epoch: 1, patch };
            const results = sides.map((s) => {
              const result = s.view.confirm(JSON.parse(JSON.stringify(entry)) as OrderedPatch);
              emit(s, result.change, s.view.replica.version, patch.peer);
              return result;
            });
            const [mine, theirs] = results as [(typeof results)[0], (typeof results)[0]];
            expect(mine.outcome.applied).toBe(theirs.outcome.applied);
            expect(mine.outcome.reason).toBe(theirs.outcome.reason);
            expect(mine.own?.seq).toBe(theirs.own?.seq);
          };

          for (const c of commands) {
            steps++;
            if (c.kind === 'propose') {
              const patch: Patch = { peer: 'me', seq: ++seq, ts: (ts += TICKS_PER_MS), ...c.body };
              unordered.push(patch);
              for (const s of sides) emit(s, s.view.propose(patch), s.view.replica.version, 'me');
            } else if (c.kind === 'foreign') {
              // `old`: stamped before our pending writes, so the stamp rule may refuse ours.
              const stamp = c.old ? (unordered[0]?.ts ?? ts) - 1 : (ts += TICKS_PER_MS);
              deliver({ peer: 'other', seq: ++foreignSeq, ts: stamp, ...c.body });
            } else if (c.kind === 'order') {
              const patch = unordered.shift();
              if (patch === undefined) continue;
              // `lower`: the host lowered its stamp (a clock ahead of the host's).
              lastOrdered = c.lower ? { ...patch, ts: patch.ts - 3 * TICKS_PER_MS } : patch;
              deliver(lastOrdered);
            } else if (c.kind === 'duplicate') {
              if (lastOrdered !== undefined) deliver(lastOrdered);
            } else if (c.kind === 'withdraw') {
              const patch = unordered[c.pick % Math.max(1, unordered.length)];
              if (patch === undefined) continue;
              unordered.splice(unordered.indexOf(patch), 1);
              for (const s of sides) emit(s, s.view.withdraw(patch.peer, patch.seq), s.view.replica.version, 'me');
            } else {
              for (const s of sides) {
                const replica = Replica.fromSnapshot(s.view.replica.snapshot(), wide ? { wideRootKeys: 0 } : {});
                emit(s, s.view.rebaseOnto(replica), replica.version, 'host');
              }
            }
            expect(text(lazy.view.state)).toBe(text(plain.view.state));
            expect(lazy.view.pending.map((p) => p.seq)).toEqual(plain.view.pending.map((p) => p.seq));
            expect(lazy.events).toEqual(plain.events);
          }
          while (unordered.length > 0) deliver(unordered.shift()!);
          expect(lazy.view.state).toBe(lazy.view.replica.state);
          expect(text(lazy.view.state)).toBe(text(plain.view.state));
          expect(lazy.events).toEqual(plain.events);
          replays += (lazy.view as OptimisticView).replays;
        }),
        { numRuns: 300 },
      );
      // The lazy path was taken: far fewer replays than steps (the reference replays at each
      // entry of another writer while anything is pending).
      expect(steps).toBeGreaterThan(0);
      expect(replays).toBeLessThan(steps / 4);
    });
  }

  it('applies a commuting entry without replaying, and replays on an overlap', () => {
    const replica = new Replica(initial);
    const view = new OptimisticView(replica, 'me');
    const own = (seq: number, update: Patch['update']): Patch => ({ peer: 'me', seq, ts: 2000 + seq, update });
    view.propose(own(1, { $inc: { k0: 1 } }));
    view.propose(own(2, { $inc: { k1: 1 } }));
    let version = 0;
    const foreign = (seq: number, update: Patch['update']): void => {
      view.confirm({ version: ++version, epoch: 1, patch: { peer: 'o', seq, ts: 1000 + seq, update } });
    };
    foreign(1, { $inc: { k3: 5 } });
    foreign(2, { $set: { 'k2.v': 9 } });
    expect(view.replays).toBe(0);
    expect(view.state).toMatchObject({ k0: 1, k1: 2, k2: { v: 9 }, k3: 8 });
    foreign(3, { $set: { k4: 1 } }); // creates a field: key order would differ
    expect(view.replays).toBe(1);
    foreign(4, { $inc: { k1: 10 } }); // a pending patch increments k1 too: integers, either order
    expect(view.replays).toBe(1);
    foreign(5, { $max: { k1: 20 } }); // a pending patch writes k1, not only an $inc
    expect(view.replays).toBe(2);
    expect(text(view.state)).toBe(text({ ...initial, k0: 1, k1: 21, k2: { v: 9 }, k3: 8, k4: 1 }));
  });

  it("takes another writer's change of keys no pending patch writes from the replica, without replaying", () => {
    const replica = new Replica(initial, { wideRootKeys: 0 });
    const view = new OptimisticView(replica, 'me');
    view.propose({ peer: 'me', seq: 1, ts: 2000, update: { $inc: { k0: 1 } } });
    let version = 0;
    const foreign = (update: Patch['update'], arrayFilters?: Patch['arrayFilters']): void => {
      const patch: Patch = { peer: 'o', seq: version + 1, ts: 1001 + version, update, ...(arrayFilters ? { arrayFilters } : {}) };
      expect(view.confirm({ version: ++version, epoch: 1, patch }).outcome.reason).toBeUndefined();
    };
    foreign({ $set: { 'l.$[e].x': 7 } }, [{ 'e.x': 3 }]); // a positional write
    foreign({ $set: { 'a.q': 1 } }); // creates a field below the root
    foreign({ $unset: { 'a.y': '' } });
    expect(view.replays).toBe(0);
    expect(view.state.a).toBe(replica.state.a);
    foreign({ $set: { k9: 1 } }); // creates a top-level key: key order would differ
    expect(view.replays).toBe(1);
    expect(text(view.state)).toBe(text({ ...initial, a: { x: 1, q: 1 }, l: [1, 2, { x: 7 }], k0: 1, k9: 1 }));
    // The replica's own (frozen) values, not copies.
    expect(view.state.a).toBe(replica.state.a);
    expect(view.state.l).toBe(replica.state.l);
  });

  it('swaps integer increments of one field only while the sums stay exact', () => {
    const replica = new Replica({ c: 0, f: 0.5, big: 2 ** 52 });
    const view = new OptimisticView(replica, 'me');
    let version = 0;
    const foreign = (update: Patch['update']): void => {
      view.confirm({ version: ++version, epoch: 1, patch: { peer: 'o', seq: version, ts: 1000 + version, update } });
    };
    view.propose({ peer: 'me', seq: 1, ts: 2000, update: { $inc: { c: 2, f: 1, big: 2 ** 51 } } });
    foreign({ $inc: { c: 3 } });
    expect(view.replays).toBe(0);
    foreign({ $inc: { c: 0.5 } }); // a fraction: addition may round differently in the other order
    expect(view.replays).toBe(1);
    foreign({ $inc: { f: 1 } }); // the field holds a fraction
    expect(view.replays).toBe(2);
    foreign({ $inc: { big: 2 ** 51 } }); // 2^52 + 2^51 + 2^51 leaves the safe integers
    expect(view.replays).toBe(3);
    expect(view.state).toEqual({ c: 5.5, f: 2.5, big: 2 ** 53 });
  });
});
