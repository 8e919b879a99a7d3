import { describe, expect, it } from 'vitest';
import { OptimisticView, Replica } from '../../../src/document/index.js';
import type { JsonObject, OrderedPatch, Patch, Update } from '../../../src/types.js';

function setup(initial: JsonObject = { n: 0 }) {
  const replica = new Replica(initial);
  const view = new OptimisticView(replica, 'me');
  let seq = 0;
  let ts = 1_000;
  const mine = (update: Update, extra: Partial<Patch> = {}): Patch => {
    seq += 1;
    ts += 10;
    return { peer: 'me', seq, ts, update, ...extra };
  };
  const order = (patch: Patch): OrderedPatch => ({ version: replica.version + 1, epoch: 1, patch });
  return { replica, view, mine, order };
}

describe('OptimisticView', () => {
  it('is the confirmed state itself while nothing is pending', () => {
    const { replica, view } = setup();
    expect(view.state).toBe(replica.state);
    expect(view.pending).toEqual([]);
  });

  it('shows a proposed patch at once and reports what changed', () => {
    const { replica, view, mine } = setup();
    const confirmed = replica.state;
    const change = view.propose(mine({ $inc: { n: 1 } }));
    expect(view.state).toEqual({ n: 1 });
    expect(change).toEqual({ before: confirmed, after: view.state, paths: ['n'] });
    expect(replica.state).toBe(confirmed);
    expect(view.pending).toHaveLength(1);
  });

  it('keeps the view root when its own head is confirmed with nothing in between', () => {
    const { replica, view, mine, order } = setup();
    const p1 = mine({ $inc: { n: 1 } });
    const p2 = mine({ $set: { s: 'x' } });
    view.propose(p1);
    view.propose(p2);
    const shown = view.state;
    const first = view.confirm(order(p1));
    expect(first.outcome.applied).toBe(true);
    expect(first.own).toBe(p1);
    expect(first.change).toEqual({ before: shown, after: shown, paths: [] });
    expect(view.state).toBe(shown);
    const second = view.confirm(order(p2));
    expect(second.own).toBe(p2);
    // The last pending patch settled: the view is the replica's state, the very same object.
    expect(view.state).toBe(shown);
    expect(replica.state).toBe(shown);
    expect(view.pending).toEqual([]);
  });

  it('rebases pending patches onto entries from others', () => {
    const { replica, view, mine, order } = setup({ n: 0, log: [] });
    view.propose(mine({ $inc: { n: 1 }, $push: { log: 'me' } }));
    const other: Patch = {
      peer: 'bob',
      seq: 1,
      ts: 5,
      update: { $inc: { n: 10 }, $push: { log: 'bob' } },
    };
    const result = view.confirm(order(other));
    expect(result.own).toBeUndefined();
    expect(replica.state).toEqual({ n: 10, log: ['bob'] });
    expect(view.state).toEqual({ n: 11, log: ['bob', 'me'] });
    expect(result.change.paths.sort()).toEqual(['log', 'n']);
  });

  it('rolls its own patch back when the host refuses it as stale', () => {
    const { replica, view, mine, order } = setup({ title: 'a' });
    const own = mine({ $set: { title: 'mine' } }, { ts: 100 });
    view.propose(own);
    view.confirm(order({ peer: 'bob', seq: 1, ts: 200, update: { $set: { title: 'bob' } } }));
    expect(view.state).toEqual({ title: 'mine' });
    const result = view.confirm(order(own));
    expect(result.outcome).toMatchObject({ applied: false, reason: 'stale' });
    expect(result.own).toBe(own);
    expect(view.state).toBe(replica.state);
    expect(view.state).toEqual({ title: 'bob' });
    expect(result.change.paths).toEqual(['title']);
  });

  it('judges conditions on the view: a false one stays pending without effect', () => {
    const { view, mine, order } = setup({ stock: 0 });
    const buy = mine({ $inc: { stock: -1 } }, { if: { stock: { $gt: 0 } } });
    const change = view.propose(buy);
    expect(change.before).toBe(change.after);
    expect(change.paths).toEqual([]);
    expect(view.pending).toEqual([buy]);
    // Someone restocks first: the pending purchase now shows, and then applies.
    view.confirm(order({ peer: 'bob', seq: 1, ts: 5, update: { $inc: { stock: 5 } } }));
    expect(view.state).toEqual({ stock: 4 });
    expect(view.confirm(order(buy)).outcome.applied).toBe(true);
    expect(view.state).toEqual({ stock: 4 });
  });

  it('keeps a patch that cannot apply to the view pending without effect: the host decides', () => {
    const { view, mine, order } = setup({ s: 'text' });
    const before = view.state;
    const patch = mine({ $inc: { s: 1 } });
    expect(view.propose(patch).paths).toEqual([]);
    expect(view.state).toBe(before);
    expect(view.pending).toEqual([patch]);
    const { outcome } = view.confirm(order(patch));
    expect(outcome).toMatchObject({ applied: false, reason: 'failed' });
    expect(outcome.message).toMatch(/cannot apply \$inc to a value of type string/);
    expect(view.pending).toEqual([]);
  });

  it('withdraws a pending patch and replays the rest', () => {
    const { replica, view, mine } = setup({ n: 0 });
    const p1 = mine({ $inc: { n: 1 } });
    const p2 = mine({ $inc: { n: 10 } });
    const p3 = mine({ $set: { last: true } });
    view.propose(p1);
    view.propose(p2);
    view.propose(p3);
    const change = view.withdraw('me', p2.seq);
    expect(view.state).toEqual({ n: 1, last: true });
    expect(view.pending).toEqual([p1, p3]);
    expect(change.paths.sort()).toEqual(['last', 'n']);
    expect(view.withdraw('me', 99)).toEqual({ before: view.state, after: view.state, paths: [] });
    view.withdraw('me', p1.seq);
    view.withdraw('me', p3.seq);
    expect(view.state).toBe(replica.state);
  });

  it('follows a replica rebuilt from a snapshot, keeping its pending patches', () => {
    const { view, mine } = setup({ n: 0, keep: { same: true } });
    view.propose(mine({ $inc: { n: 1 } }));
    const fresh = Replica.fromSnapshot({
      state: { n: 100, keep: { same: true }, added: 1 },
      version: 7,
      epoch: 2,
      stamps: [],
      seqs: [],
    });
    const change = view.rebaseOnto(fresh);
    expect(view.replica).toBe(fresh);
    expect(view.state).toEqual({ n: 101, keep: { same: true }, added: 1 });
    expect(change.paths.sort()).toEqual(['added', 'keep', 'n']);
  });

  it('reports a confirmed change directly when nothing is pending', () => {
    const { view, order } = setup({ n: 0 });
    const before = view.state;
    const result = view.confirm(order({ peer: 'bob', seq: 1, ts: 1, update: { $inc: { n: 2 } } }));
    expect(result.change).toEqual({ before, after: view.state, paths: ['n'] });
    const refused = view.confirm(order({ peer: 'bob', seq: 1, ts: 1, update: { $inc: { n: 2 } } }));
    expect(refused.change.before).toBe(refused.change.after);
    expect(refused.change.paths).toEqual([]);
  });
});
