import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HybridClock } from '../../../src/clock/hlc.js';
import {
  applyUpdateTo,
  ConditionCache,
  OptimisticView,
  Replica,
  type ValidPatchBody,
  type ViewChange,
} from '../../../src/document/index.js';
import type { JsonObject, OrderedPatch, Patch } from '../../../src/types.js';
import { initialDocument, patchBody } from './arbitraries.js';
import { uncovered } from './diff.js';

const WRITERS = 3;

type Command =
  | { kind: 'propose'; writer: number; body: ValidPatchBody }
  | { kind: 'order'; writer: number }
  | { kind: 'deliver'; writer: number }
  | { kind: 'tick' };

const writer = fc.nat(WRITERS - 1);
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('propose' as const), writer, body: patchBody }),
  fc.record({ kind: fc.constant('order' as const), writer }),
  fc.record({ kind: fc.constant('deliver' as const), writer }),
  fc.constant({ kind: 'tick' as const }),
);

interface Writer {
  peer: string;
  replica: Replica;
  view: OptimisticView;
  clock: HybridClock;
  seq: number;
  /** Own patches proposed and not yet settled, oldest first. */
  outstanding: Patch[];
  /** Ordered entries not yet delivered to this writer. */
  inbox: OrderedPatch[];
}

/** The definition the view must meet: confirmed state with the pending patches replayed. */
function replay(base: JsonObject, pending: readonly Patch[]): JsonObject {
  const conditions = new ConditionCache();
  let root = base;
  for (const patch of pending) {
    if (patch.if !== undefined && !conditions.holds(patch.if, root)) continue;
    try {
      root = applyUpdateTo(root, patch, conditions).root;
    } catch {
      // A pending patch that no longer applies shows nothing until it is settled.
    }
  }
  return root;
}

function checkChange(change: ViewChange): void {
  if (change.paths.length === 0) expect(change.after).toEqual(change.before);
  expect(uncovered(change.before, change.after, change.paths)).toEqual([]);
}

describe('optimistic views (property)', () => {
  it('every view is confirmed + pending at each step, and equals the ordered state once all settles', () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 20, maxLength: 80 }), (commands) => {
        let now = 1_000;
        const reference = new Replica(initialDocument);
        const submitted: Patch[][] = Array.from({ length: WRITERS }, () => []);
        const writers: Writer[] = Array.from({ length: WRITERS }, (_, i) => {
          // Every other writer keeps its roots in chunks (wide-root.ts), views included.
          const replica = new Replica(initialDocument, i % 2 === 0 ? {} : { wideRootKeys: 0 });
          const peer = `peer${i}`;
          return {
            peer,
            replica,
            view: new OptimisticView(replica, peer),
            clock: new HybridClock(() => now),
            seq: 0,
            outstanding: [],
            inbox: [],
          };
        });

        const order = (from: number): void => {
          const patch = submitted[from]!.shift();
          if (patch === undefined) return;
          const entry: OrderedPatch = { version: reference.version + 1, epoch: 1, patch };
          reference.apply(entry);
          for (const w of writers) w.inbox.push(JSON.parse(JSON.stringify(entry)));
        };
        const deliver = (w: Writer): void => {
          const entry = w.inbox.shift();
          if (entry === undefined) return;
          w.clock.observe(entry.patch.ts);
          const result = w.view.confirm(entry);
          checkChange(result.change);
          if (entry.patch.peer === w.peer) {
            const mine = w.outstanding.shift();
            expect(result.own).toBe(mine);
          } else {
            expect(result.own).toBeUndefined();
          }
        };
        const propose = (w: Writer, index: number, body: ValidPatchBody): void => {
          const patch: Patch = { peer: w.peer, seq: ++w.seq, ts: w.clock.next(), ...body };
          // Never refused at once: a patch that cannot apply to the view is sent all the same.
          const change: ViewChange = w.view.propose(patch);
          checkChange(change);
          w.outstanding.push(patch);
          submitted[index]!.push(patch);
        };

        for (const c of commands) {
          if (c.kind === 'tick') now += 1;
          else if (c.kind === 'propose') propose(writers[c.writer]!, c.writer, c.body);
          else if (c.kind === 'order') order(c.writer);
          else deliver(writers[c.writer]!);
          for (const w of writers) {
            expect(w.view.pending).toEqual(w.outstanding);
            expect(w.view.state).toEqual(replay(w.replica.state, w.view.pending));
          }
        }

        for (let i = 0; i < WRITERS; i++) while (submitted[i]!.length > 0) order(i);
        for (const w of writers) {
          while (w.inbox.length > 0) deliver(w);
          expect(w.view.pending).toEqual([]);
          expect(w.view.state).toBe(w.replica.state);
          expect(JSON.stringify(w.view.state)).toBe(JSON.stringify(reference.state));
        }
      }),
      { numRuns: 150 },
    );
  });
});
