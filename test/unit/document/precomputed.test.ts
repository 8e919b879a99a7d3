import { describe, expect, it, vi } from 'vitest';
import { applyPlanTo } from '../../../src/document/apply-update.js';
import { OptimisticView, Replica } from '../../../src/document/index.js';
import * as plans from '../../../src/document/plan.js';
import type { OrderedPatch, Patch } from '../../../src/types.js';

// Counts the replica's own planning: the view plans each patch once, when it shows it.
vi.mock('../../../src/document/plan.js', async (original) => {
  const actual = await original<typeof plans>();
  return { ...actual, planUpdate: vi.fn(actual.planUpdate) };
});
const planUpdate = vi.mocked(plans.planUpdate);

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
});
