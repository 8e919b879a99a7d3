import { describe, expect, it, vi } from 'vitest';
import { ConditionCache, Replica, type ReplicaSnapshot } from '../../../src/document/index.js';
import { MemSyncError, ProtocolError } from '../../../src/errors.js';
import type { OrderedPatch } from '../../../src/types.js';
import { Harness } from './harness.js';

function expectProtocolError(fn: () => unknown): void {
  let error: unknown;
  try {
    fn();
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(ProtocolError);
  expect((error as ProtocolError).code).toBe('ERR_PROTOCOL');
}

describe('Replica: ordering', () => {
  it('starts at version 0, epoch 0, with a private copy of the initial document', () => {
    const initial = { a: { b: 1 } };
    const replica = new Replica(initial);
    initial.a.b = 2;
    expect(replica.state).toEqual({ a: { b: 1 } });
    expect([replica.version, replica.epoch]).toEqual([0, 0]);
  });

  it('refuses an initial document that is not JSON', () => {
    expect(() => new Replica({ a: Number.NaN })).toThrow(MemSyncError);
    expect(() => new Replica([] as never)).toThrow(MemSyncError);
  });

  it('requires each entry to be the next version, and changes nothing otherwise', () => {
    const h = new Harness({ n: 0 });
    const patch = h.patch({ $inc: { n: 1 } });
    const state = h.state;
    expectProtocolError(() => h.replica.apply({ version: 2, epoch: 1, patch }));
    expectProtocolError(() => h.replica.apply({ version: 0, epoch: 1, patch }));
    expect([h.replica.version, h.replica.state]).toEqual([0, state]);
    expect(h.replica.lastSeq('alice')).toBe(0);
    h.replica.apply({ version: 1, epoch: 3, patch });
    expect([h.replica.version, h.replica.epoch, h.state.n]).toEqual([1, 3, 1]);
  });

  it('refuses an older epoch and malformed patches as protocol errors', () => {
    const h = new Harness({ n: 0 });
    h.replica.apply(h.entry(h.patch({ $inc: { n: 1 } }), 5));
    expectProtocolError(() => h.replica.apply(h.entry(h.patch({ $inc: { n: 1 } }), 4)));
    const good = h.patch({ $inc: { n: 1 } });
    for (const patch of [
      { ...good, seq: 0 },
      { ...good, peer: 7 },
      { ...good, ts: -1 },
      { ...good, seq: 1.5 },
    ]) {
      expectProtocolError(() =>
        h.replica.apply({ version: 2, epoch: 5, patch } as unknown as OrderedPatch),
      );
    }
    expect(h.replica.version).toBe(1);
  });

  it('advances version and epoch for refused entries too, and counts their seq as seen', () => {
    const h = new Harness({ n: 0 });
    const outcome = h.submit({ $set: { n: 5 } }, { if: { n: { $gt: 10 } } });
    expect(outcome).toMatchObject({ applied: false, reason: 'condition', changedPaths: [] });
    expect(outcome.after).toBe(outcome.before);
    expect(h.replica.version).toBe(1);
    expect(h.replica.lastSeq('alice')).toBe(1);
  });
});

describe('Replica: exactly once', () => {
  it('refuses a resent (peer, seq) as a duplicate, before looking at anything else', () => {
    const h = new Harness({ n: 0 });
    const patch = h.patch({ $inc: { n: 1 } });
    expect(h.replica.apply(h.entry(patch)).applied).toBe(true);
    const again = h.replica.apply(h.entry(patch));
    expect(again).toMatchObject({ applied: false, reason: 'duplicate' });
    expect(h.state.n).toBe(1);
    // A lower seq than the last one seen is a duplicate too; other peers are counted apart.
    expect(h.submit({ $inc: { n: 10 } }).applied).toBe(true);
    expect(h.replica.lastSeq('alice')).toBe(2);
    expect(h.replica.apply(h.entry(patch)).reason).toBe('duplicate');
    expect(h.replica.apply(h.entry({ ...patch, peer: 'bob' })).applied).toBe(true);
    expect(h.state.n).toBe(12);
  });

  it('treats a resend of a refused patch as a duplicate as well', () => {
    const h = new Harness({ s: 'text' });
    const patch = h.patch({ $inc: { s: 1 } });
    expect(h.replica.apply(h.entry(patch)).reason).toBe('failed');
    expect(h.replica.apply(h.entry(patch)).reason).toBe('duplicate');
  });
});

describe('Replica: conditions', () => {
  it('applies a conditional patch only when the condition holds on the ordered state', () => {
    const h = new Harness({ stock: 1, sold: 0 });
    const sell = { $inc: { stock: -1, sold: 1 } };
    expect(h.submit(sell, { if: { stock: { $gt: 0 } } }).applied).toBe(true);
    expect(h.submit(sell, { if: { stock: { $gt: 0 } } })).toMatchObject({
      applied: false,
      reason: 'condition',
    });
    expect(h.state).toEqual({ stock: 0, sold: 1 });
  });

  it('supports $and/$or, dotted paths, $expr with comparison and arithmetic', () => {
    const h = new Harness({ a: { b: 2 }, c: 3, tags: ['x'] });
    expect(
      h.submit({ $set: { ok1: true } }, { if: { $or: [{ 'a.b': 5 }, { tags: 'x' }] } }).applied,
    ).toBe(true);
    expect(
      h.submit({ $set: { ok2: true } }, { if: { $expr: { $gt: [{ $add: ['$a.b', 2] }, '$c'] } } })
        .applied,
    ).toBe(true);
    expect(
      h.submit({ $set: { ok3: true } }, { if: { $expr: { $gt: ['$a.b', '$c'] } } }).applied,
    ).toBe(false);
  });

  it('reports a condition mingo cannot compile, which slipped past validation, as failed', () => {
    const h = new Harness({ a: 1 });
    expect(() => h.submit({ $set: { b: 1 } }, { if: { a: { $bogus: 1 } } })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_CONDITION' }),
    );
    const replica = new Replica({ a: 1 });
    const patch = { peer: 'p', seq: 1, ts: 1, update: { $set: { b: 1 } }, if: { a: { $bogus: 1 } } };
    const outcome = replica.apply({ version: 1, epoch: 1, patch } as unknown as OrderedPatch);
    expect(outcome).toMatchObject({ applied: false, reason: 'failed' });
    expect(outcome.message).toMatch(/condition/);
  });

  it('refuses a script condition that slipped past validation, as mingo runs with scripts off', () => {
    const replica = new Replica({ a: 1 });
    const patch = { peer: 'p', seq: 1, ts: 1, update: { $set: { b: 1 } }, if: { $where: 'true' } };
    const outcome = replica.apply({ version: 1, epoch: 1, patch } as unknown as OrderedPatch);
    expect(outcome).toMatchObject({ applied: false, reason: 'failed' });
    expect(outcome.message).toMatch(/scriptEnabled/);
  });

  it('keeps compiled conditions in a bounded cache', () => {
    const cache = new ConditionCache(3);
    for (let i = 0; i < 10; i++) expect(cache.holds({ n: i }, { n: 9 })).toBe(i === 9);
    expect(cache.size).toBe(3);
    expect(cache.compile({ n: 9 })).toBe(cache.compile({ n: 9 }));
  });
});

describe('Replica: timestamp rule', () => {
  it('refuses an absolute write older than a write of the same path, an ancestor or a descendant', () => {
    const h = new Harness({ a: { b: { c: 1 } } });
    expect(h.submit({ $set: { 'a.b': { c: 2 } } }, { ts: 100 }).applied).toBe(true);
    const state = h.state;
    for (const path of ['a.b', 'a', 'a.b.c']) {
      const outcome = h.submit({ $set: { [path]: 0 } }, { ts: 50, peer: 'bob' });
      expect(outcome).toMatchObject({ applied: false, reason: 'stale', changedPaths: [] });
      expect(h.state).toBe(state);
    }
    expect(h.submit({ $set: { 'a.x': 0 } }, { ts: 50, peer: 'bob' }).applied).toBe(true);
    expect(h.submit({ $unset: { a: '' } }, { ts: 150 }).applied).toBe(true);
    expect(h.submit({ $rename: { z: 'a.q' } }, { ts: 120 }).reason).toBe('stale');
  });

  it('never refuses relative operators, whatever their timestamp', () => {
    const h = new Harness({ n: 0, l: [] });
    h.submit({ $set: { n: 10, l: [1] } }, { ts: 100 });
    for (const update of [
      { $inc: { n: 1 } },
      { $mul: { n: 2 } },
      { $max: { n: 50 } },
      { $push: { l: 2 } },
      { $pop: { l: -1 } },
    ]) {
      expect(h.submit(update, { ts: 1, peer: 'old' }).applied).toBe(true);
    }
    expect(h.state).toEqual({ n: 50, l: [2] });
  });

  it('refuses a mixed patch whole when any absolute part is stale', () => {
    const h = new Harness({ n: 0 });
    h.submit({ $set: { title: 'new' } }, { ts: 100 });
    const outcome = h.submit({ $set: { title: 'old' }, $inc: { n: 1 } }, { ts: 50, peer: 'bob' });
    expect(outcome.reason).toBe('stale');
    expect(h.state).toEqual({ n: 0, title: 'new' });
  });

  it('records relative writes too, and positional writes at the array path', () => {
    const h = new Harness({ n: 0, l: [{ v: 1 }] });
    h.submit({ $inc: { n: 1 } }, { ts: 100 });
    expect(h.submit({ $set: { n: 9 } }, { ts: 50, peer: 'bob' }).reason).toBe('stale');
    h.submit({ $inc: { 'l.$[].v': 1 } }, { ts: 100 });
    expect(h.submit({ $set: { 'l.0.w': 1 } }, { ts: 60, peer: 'bob' }).reason).toBe('stale');
  });

  it('does not record refused patches', () => {
    const h = new Harness({ a: 1 });
    h.submit({ $set: { a: 2 } }, { ts: 100, if: { a: 5 } });
    expect(h.submit({ $set: { a: 3 } }, { ts: 50, peer: 'bob' }).applied).toBe(true);
  });
});

describe('Replica: timestamp horizon', () => {
  function set(version: number, ms: number, path: string): OrderedPatch {
    return { version, epoch: 1, patch: { peer: 'p', seq: version, ts: ms * 1000, update: { $set: { [path]: version } } } };
  }

  it('forgets old writes: the table stays bounded however many paths are ever written', () => {
    const replica = new Replica({}, { stampRetentionMs: 10 });
    // One new path per millisecond of patch time, 2,000 of them.
    for (let i = 1; i <= 2000; i++) expect(replica.apply(set(i, i, `k${i}`)).applied).toBe(true);
    const { stamps, horizon } = replica.snapshot();
    // At most a retention and a half of paths are remembered.
    expect(stamps.length).toBeLessThanOrEqual(16);
    expect(horizon).toBeGreaterThan(1980 * 1000);
    expect(Object.keys(replica.state)).toHaveLength(2000);
  });

  it('refuses an absolute write stamped before the horizon as stale, and still applies a relative one', () => {
    const replica = new Replica({ n: 0 }, { stampRetentionMs: 10 });
    replica.apply(set(1, 100, 'a'));
    const { horizon = 0 } = replica.snapshot();
    expect(horizon).toBe(90 * 1000);
    expect(replica.apply(set(2, 89, 'b'))).toMatchObject({ applied: false, reason: 'stale' });
    expect(replica.apply(set(3, 91, 'b')).applied).toBe(true);
    const late = { version: 4, epoch: 1, patch: { peer: 'p', seq: 4, ts: 1000, update: { $inc: { n: 1 } } } };
    expect(replica.apply(late).applied).toBe(true);
  });

  it('forgets writers silent since before the horizon; an old patch of a forgotten one is refused, not applied twice', () => {
    const replica = new Replica({ n: 0 }, { stampRetentionMs: 10 });
    const inc = (version: number, peer: string, seq: number, ms: number): OrderedPatch => ({
      version,
      epoch: 1,
      patch: { peer, seq, ts: ms * 1000, update: { $inc: { n: 1 } } },
    });
    // 500 short-lived writers, one patch each, one per millisecond.
    for (let i = 1; i <= 500; i++) expect(replica.apply(inc(i, `w${i}`, 1, i)).applied).toBe(true);
    expect(replica.snapshot().seqs.length).toBeLessThanOrEqual(16);
    expect(replica.lastSeq('w1')).toBe(0);
    // w1's patch again (a resend that took 500 ms): it cannot be told from a new one, so refused.
    expect(replica.apply(inc(501, 'w1', 1, 1))).toMatchObject({ applied: false, reason: 'stale' });
    // A recent writer's resend is still a duplicate, and a new writer is welcome.
    expect(replica.apply(inc(502, 'w500', 1, 500))).toMatchObject({ applied: false, reason: 'duplicate' });
    expect(replica.apply(inc(503, 'fresh', 1, 501)).applied).toBe(true);
    expect(replica.state.n).toBe(501);
  });
});

describe('Replica: $currentDate', () => {
  it('never reads the clock', () => {
    const now = vi.spyOn(Date, 'now');
    try {
      const h = new Harness({});
      h.submit({ $currentDate: { at: true } }, { ts: 5_000_123 });
      expect(h.state).toEqual({ at: new Date(5_000).toISOString() });
      expect(now).not.toHaveBeenCalled();
    } finally {
      now.mockRestore();
    }
  });
});

describe('Replica: snapshots', () => {
  it('round-trips state, version, epoch, stamps and seqs through JSON', () => {
    const h = new Harness({ n: 0 });
    h.submit({ $set: { a: { b: 1 } } }, { ts: 100 });
    h.submit({ $inc: { n: 2 } }, { peer: 'bob' });
    const snapshot = JSON.parse(JSON.stringify(h.replica.snapshot())) as ReplicaSnapshot;
    const copy = Replica.fromSnapshot(snapshot);
    expect(copy.state).toEqual(h.state);
    expect([copy.version, copy.epoch, copy.lastSeq('alice'), copy.lastSeq('bob')]).toEqual([
      2, 1, 1, 1,
    ]);
    // The same verdicts follow: the stale write and the duplicate are refused on both.
    const stale: OrderedPatch = {
      version: 3,
      epoch: 1,
      patch: { peer: 'carol', seq: 1, ts: 50, update: { $set: { 'a.b': 0 } } },
    };
    expect(copy.apply(stale).reason).toBe('stale');
    expect(h.replica.apply(stale).reason).toBe('stale');
    expect(JSON.stringify(copy.snapshot())).toBe(JSON.stringify(h.replica.snapshot()));
  });

  it('shares the immutable state instead of copying it', () => {
    const h = new Harness({ big: { list: [1, 2, 3] } });
    expect(h.replica.snapshot().state).toBe(h.state);
  });

  it.each([
    ['null', null],
    ['a missing state', { version: 0, epoch: 0, stamps: [], seqs: [] }],
    ['a state that is an array', { state: [], version: 0, epoch: 0, stamps: [], seqs: [] }],
    ['a negative version', { state: {}, version: -1, epoch: 0, stamps: [], seqs: [] }],
    ['a fractional horizon', { state: {}, version: 0, epoch: 0, stamps: [], horizon: 1.5, seqs: [] }],
    ['a string epoch', { state: {}, version: 0, epoch: '1', stamps: [], seqs: [] }],
    ['bad stamps', { state: {}, version: 0, epoch: 0, stamps: {}, seqs: [] }],
    ['bad seqs', { state: {}, version: 0, epoch: 0, stamps: [], seqs: [['p']] }],
    [
      'a seq that is not a number',
      { state: {}, version: 0, epoch: 0, stamps: [], seqs: [['p', 'x']] },
    ],
    [
      'a reserved key in the state',
      JSON.parse('{"state":{"__proto__":{"x":1}},"version":0,"epoch":0,"stamps":[],"seqs":[]}'),
    ],
    [
      'a state deeper than maxDepth',
      { state: { a: { b: { c: 1 } } }, version: 0, epoch: 0, stamps: [], seqs: [] },
    ],
  ])('refuses a snapshot with %s as ERR_PROTOCOL', (_, snapshot) => {
    expectProtocolError(() => Replica.fromSnapshot(snapshot, { limits: { maxDepth: 2 } }));
  });
});
