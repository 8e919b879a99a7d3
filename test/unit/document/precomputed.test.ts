import { describe, expect, it, vi } from 'vitest';
import * as updates from '../../../src/document/apply-update.js';
import { OptimisticView, Replica } from '../../../src/document/index.js';
import * as plans from '../../../src/document/plan.js';
import type { OrderedPatch, Patch } from '../../../src/types.js';

// Counts the replica's own planning: the view plans each patch once, when it shows it.
vi.mock('../../../src/document/plan.js', async (original) => {
  const actual = await original<typeof plans>();
  return { ...actual, planUpdate: vi.fn(actual.planUpdate) };
});
const planUpdate = vi.mocked(plans.planUpdate);
// Counts the general path's applies: a lean patch (lean.ts) needs none, on the view as well.
vi.mock('../../../src/document/apply-update.js', async (original) => {
  const actual = await original<typeof updates>();
  return { ...actual, applyPlanTo: vi.fn(actual.applyPlanTo) };
});
const applyPlanTo = vi.mocked(updates.applyPlanTo);

const twoPaths = (seq: number, ts: number): Patch => ({
  peer: 'me',
  seq,
  ts,
  update: { $set: { a: seq, 'b.c': seq } },
});

describe('Replica.apply with a precomputed update', () => {
  it('takes the plan, not the result, when the state moved since its base', () => {
    const replica = new Replica({ a: 0, b: { c: 0 }, n: 0 });
    const patch = twoPaths(1, 100);
    const elsewhere = { a: 0, b: { c: 0 }, n: 5 };
    const plan = plans.planUpdate(patch);
    const result = applyPlanTo(elsewhere, plan, replica.conditions, replica.wideKeys);
    planUpdate.mockClear();
    const outcome = replica.apply({ version: 1, epoch: 1, patch: structuredClone(patch) }, { base: elsewhere, plan, result });
    expect(planUpdate).not.toHaveBeenCalled();
    // The result was made on another state: the replica's own is written, not that one.
    expect(outcome.after).not.toBe(result.root);
    expect(replica.state).toEqual({ a: 1, b: { c: 1 }, n: 0 });
    expect(outcome.changedPaths).toEqual(['a', 'b.c']);
  });

  it('a stale view confirms its own patch without planning it again', () => {
    const replica = new Replica({ a: 0, b: { c: 0 }, n: 0 });
    const view = new OptimisticView(replica, 'me');
    const patch = twoPaths(1, 100);
    view.propose(patch);
    // Another writer's entry beside the pending keys: the view takes it and is now stale.
    const foreign: OrderedPatch = { version: 1, epoch: 1, patch: { peer: 'o', seq: 1, ts: 101, update: { $inc: { n: 1 } } } };
    view.confirm(foreign);
    planUpdate.mockClear();
    const confirmed = view.confirm({ version: 2, epoch: 1, patch: structuredClone(patch) });
    expect(planUpdate).not.toHaveBeenCalled();
    expect(confirmed.outcome.applied).toBe(true);
    expect(confirmed.own).toBe(patch);
    expect(replica.state).toEqual({ a: 1, b: { c: 1 }, n: 1 });
    expect(view.state).toEqual(replica.state);
    expect(view.replays).toBe(0);
  });

  it('a view shows a lean patch (one-path $inc) without the general path, and the replica takes its result back', () => {
    const initial: Record<string, number> = {};
    for (let i = 0; i < 100; i++) initial[`k${i}`] = i; // a chunked root
    const replica = new Replica(initial);
    const view = new OptimisticView(replica, 'me');
    const patch: Patch = { peer: 'me', seq: 1, ts: 100, update: { $inc: { k7: 2 } } };
    applyPlanTo.mockClear();
    const shown = view.propose(patch);
    expect(applyPlanTo).not.toHaveBeenCalled();
    expect(shown.paths).toEqual(['k7']);
    expect(view.state['k7']).toBe(9);
    const confirmed = view.confirm({ version: 1, epoch: 1, patch: structuredClone(patch) });
    // Fresh view: the replica took the view's root as its own.
    expect(confirmed.outcome.after).toBe(shown.after);
    expect(replica.state).toBe(view.state);
    expect(JSON.stringify(replica.state)).toBe(JSON.stringify({ ...initial, k7: 9 }));
  });
});
