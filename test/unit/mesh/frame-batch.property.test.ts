import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ApplyOutcome } from '../../../src/document/index.js';
import { isWideRoot } from '../../../src/document/wide-root.js';
import type { LockOp } from '../../../src/messaging/lock-table.js';
import { MemSyncError } from '../../../src/errors.js';
import { ReplicaCore } from '../../../src/mesh/replica-core.js';
import { ObserverRegistry } from '../../../src/observe/registry.js';
import type { JsonObject, JsonValue, OrderedPatch, Patch, PatchResult } from '../../../src/types.js';
import { initialDocument, patchBody } from '../document/arbitraries.js';
import { entangled, failingLate, widening } from '../document/batch-arbitraries.js';

/**
 * A client's frame intake (ReplicaCore.beginFrame: the frame's entries in one copy-on-write
 * batch while nothing of ours is pending) against the same entries applied one by one: the
 * same states, outcomes, own results, refusals, log, messaging calls, `advanced` calls and
 * observer calls (each with its value, previous value, version and origin, and the state
 * and version a callback reads when it runs), with own patches pending between and within
 * frames, patches that fail, `$rename`, conditions, duplicates, and a callback that writes.
 */

const SELF = 'me';
const PATTERNS = ['n', 'a', 'a.x', 'a.z.w', 'l.2.x', 'l', 'b', 'b.x', 's', 'k3.v', 'm', 'a.*', 'l.*.x', '', 'o.p'];

const foreignBody = fc.oneof(
  { weight: 6, arbitrary: patchBody.map((body) => ({ ...body }) as Record<string, unknown>) },
  { weight: 3, arbitrary: entangled.map((u) => ({ update: u })) },
  { weight: 1, arbitrary: failingLate.map((u) => ({ update: u })) },
  { weight: 1, arbitrary: widening },
);

/** What a frame holds: another writer's patch, our oldest pending one, or a resend. */
const item = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('foreign' as const), body: foreignBody, msg: fc.boolean() }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'own' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'resend' as const }) },
);

/** Between frames: own patches proposed (and shown in the view), then a frame. */
const step = fc.record({
  propose: fc.array(patchBody, { maxLength: 2 }),
  frame: fc.array(item, { minLength: 1, maxLength: 12 }),
});

const scenario = fc.record({
  steps: fc.array(step, { minLength: 1, maxLength: 8 }),
  /** Mostly paths that hold scalars (observers told from values), sometimes any. */
  patterns: fc.oneof(
    { weight: 2, arbitrary: fc.subarray(['n', 'a.x', 's', 'l.2.x', 'k3.v', 'b.x', 'a.y'], { minLength: 1, maxLength: 3 }) },
    { weight: 1, arbitrary: fc.subarray(['a', 'l', 'b', 'm', 'a.*', ''], { minLength: 1, maxLength: 2 }) },
    { weight: 1, arbitrary: fc.subarray(PATTERNS, { maxLength: 3 }) },
  ),
  /** A `change` listener (whole states for every change) from this step on, if any. */
  wholeFrom: fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
  /** An observer of `b` that writes when it first fires (a write from inside a frame). */
  writer: fc.boolean(),
  /** Callbacks read the state (which seals a batch): they see it exact; without, no seal. */
  reads: fc.boolean(),
  /** The first callback subscribes an observer of this path (in the middle of a frame). */
  adds: fc.option(fc.constantFrom('a', 'l', 'a.x', 'b'), { nil: undefined }),
  start: fc.constantFrom('plain', 'wide'),
  wideRootKeys: fc.constantFrom<number | undefined>(undefined, 0, 4),
});

const initials: Record<string, JsonObject> = {
  plain: initialDocument,
  wide: { ...initialDocument, k3: { v: 3 }, ...Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`w${i}`, { i }])) },
};

function unfrozenPath(value: JsonValue | undefined, path = ''): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (!isWideRoot(value) && !Object.isFrozen(value)) return path;
  for (const key of Object.keys(value)) {
    const found = unfrozenPath((value as Record<string, JsonValue>)[key], `${path}/${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

const json = (value: unknown): string => (value === undefined ? 'undefined' : JSON.stringify(value));
const shown = (outcome: ApplyOutcome) => ({ applied: outcome.applied, reason: outcome.reason, message: outcome.message, changedPaths: outcome.changedPaths });

interface Run {
  core: ReplicaCore;
  calls: unknown[];
  kept: Array<{ value: JsonValue | undefined; json: string }>;
  /** Own patches' results as they settle (`patch()` resolving): seq and result. */
  results: Array<[number, PatchResult | string]>;
  whole: { on: boolean };
}

interface Options {
  patterns: readonly string[];
  writer: boolean;
  reads: boolean;
  adds: string | undefined;
  wideRootKeys: number | undefined;
}

function makeRun(initial: JsonObject, { patterns, writer, reads, adds, wideRootKeys }: Options): Run {
  const calls: unknown[] = [];
  const kept: Run['kept'] = [];
  const whole = { on: false };
  const registry = new ObserverRegistry({ onError: (error) => { throw error; } });
  const core: ReplicaCore = new ReplicaCore(
    { peer: SELF, defaults: initial, logSize: 10_000, now: () => 5_000, limits: wideRootKeys === undefined ? {} : { wideRootKeys } },
    {
      viewChanged: (change, meta) => {
        registry.notify(change, meta);
        if (whole.on) calls.push(['change', meta, change.paths, json(change.before), json(change.after)]);
      },
      frameWatch: () => (whole.on ? undefined : registry),
      advanced: (version) => calls.push(['advanced', version, core.replica.version, reads ? json(core.view.state) : '']),
      ownRefused: (patch, result) => calls.push(['refused', patch.seq, result]),
    },
  );
  core.messaging = {
    ordered: (entry) => calls.push(['msg', entry.version, reads ? json(core.view.state) : '']),
    installed: () => {},
    extra: () => ({}),
  };
  let wrote = false;
  let added = false;
  const observe = (pattern: string): void => {
    registry.observe(pattern, (value, change) => {
      // What a callback is handed is frozen when it runs, not only once the frame is over.
      calls.push(['observe', pattern, change.path, json(value), json(change.previous), change.version, change.origin, change.local, core.replica.version, unfrozenPath(value), unfrozenPath(change.previous)]);
      if (adds !== undefined && !added) {
        added = true;
        observe(adds);
      }
      kept.push({ value, json: json(value) }, { value: change.previous, json: json(change.previous) });
      if (reads) {
        const state = core.view.state;
        calls.push([json(state), unfrozenPath(state)]);
        kept.push({ value: state, json: json(state) });
      }
      if (writer && pattern === 'b' && !wrote) {
        wrote = true;
        propose({ core, calls, kept, results, whole }, { update: { $inc: { n: 1 } } });
      }
    });
  };
  for (const pattern of patterns) observe(pattern);
  const results: Run['results'] = [];
  return { core, calls, kept, results, whole };
}

function propose(run: Run, body: Pick<Patch, 'update' | 'if' | 'arrayFilters'>): Patch {
  const patch = run.core.nextPatch(body);
  run.core.propose(patch);
  run.core.outbox.add(patch, { timeoutMs: 60_000 }).then(
    (result) => run.results.push([patch.seq, result]),
    (error: Error) => run.results.push([patch.seq, error.message]),
  );
  return patch;
}

describe('a frame applied as one batch (ReplicaCore.beginFrame) against entry by entry', () => {
  it('same states, outcomes, own results, log, messaging and observer calls', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ steps, wholeFrom, start, ...options }) => {
        const initial = initials[start]!;
        const one = makeRun(initial, options);
        const batched = makeRun(initial, options);
        const runs = [one, batched];
        const seqs = new Map<string, number>();
        let version = 0;
        let ts = 10_000;
        for (const [index, { propose: bodies, frame }] of steps.entries()) {
          for (const run of runs) run.whole.on = wholeFrom !== undefined && index >= wholeFrom;
          for (const body of bodies) for (const run of runs) propose(run, body);
          // The host orders the frame from what the first run shows pending (both are alike).
          const entries: OrderedPatch[] = [];
          for (const it of frame) {
            let patch: Patch | undefined;
            if (it.kind === 'foreign') {
              const peer = `w${version % 3}`;
              const seq = (seqs.get(peer) ?? 0) + 1;
              seqs.set(peer, seq);
              patch = { peer, seq, ts: ts++, ...it.body } as Patch;
              if (it.msg) patch.msg = { op: 'left', peer: 'gone' } as unknown as LockOp;
            } else if (it.kind === 'own') {
              const ordered = one.core.replica.lastSeq(SELF) + entries.filter((e) => e.patch.peer === SELF).length;
              patch = one.core.outbox.patches().find((p) => p.seq > ordered);
            } else {
              patch = entries[entries.length - 1]?.patch;
            }
            if (patch === undefined) continue;
            entries.push({ version: ++version, epoch: 1, patch: structuredClone(patch) });
          }
          const outcomes = runs.map((run, r) => {
            if (r === 0) return entries.map((entry) => shown(run.core.applyOrdered(structuredClone(entry))));
            run.core.beginFrame();
            try {
              return entries.map((entry) => shown(run.core.applyOrdered(structuredClone(entry))));
            } finally {
              run.core.endFrame();
            }
          });
          expect(outcomes[1]).toEqual(outcomes[0]);
          expect(json(batched.core.replica.snapshot())).toBe(json(one.core.replica.snapshot()));
          expect(json(batched.core.view.state)).toBe(json(one.core.view.state));
          expect(unfrozenPath(batched.core.view.state)).toBeUndefined();
          expect(batched.calls).toEqual(one.calls);
        }
        await new Promise((resolve) => setImmediate(resolve));
        expect(batched.results).toEqual(one.results);
        for (const run of runs) run.core.outbox.failAll(new MemSyncError('ERR_CONNECTION', 'test over'));
        const log = (run: Run) => run.core.log.after((run.core.log.firstVersion ?? 1) - 1, version);
        expect(json(log(batched))).toBe(json(log(one)));
        for (const { value, json: text } of batched.kept) {
          expect(json(value)).toBe(text);
          expect(unfrozenPath(value)).toBeUndefined();
        }
      }),
      { numRuns: 300 },
    );
  });
});
