import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type LockChange, type LockOp, LockTable } from '../../../src/messaging/lock-table.js';

const PEERS = ['a', 'b', 'c', 'd'];
const NAMES = ['x', 'y'];

/** Random operations as a host would order them: acquires (some resent), releases, leaves. */
function opsArb(limit: number): fc.Arbitrary<LockOp[]> {
  const op = fc.oneof(
    fc.record({
      op: fc.constant('acquire' as const),
      name: fc.constantFrom(...NAMES),
      peer: fc.constantFrom(...PEERS),
      rid: fc.integer({ min: 1, max: 30 }),
      limit: fc.constant(limit),
    }),
    fc.record({
      op: fc.constant('release' as const),
      name: fc.constantFrom(...NAMES),
      peer: fc.constantFrom(...PEERS),
      rid: fc.integer({ min: 1, max: 30 }),
    }),
    fc.record({ op: fc.constant('left' as const), peer: fc.constantFrom(...PEERS) }),
  );
  return fc.array(op, { maxLength: 120 });
}

function run(table: LockTable, ops: LockOp[], from = 1): LockChange[] {
  const changes: LockChange[] = [];
  ops.forEach((op, i) => changes.push(...table.apply(op, from + i)));
  return changes;
}

describe('LockTable', () => {
  it('never more holders than the limit; no waiter left while there is room; tokens grow per name', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }).chain((l) => opsArb(l).map((ops) => [l, ops] as const)), ([limit, ops]) => {
        const table = new LockTable();
        const lastToken = new Map<string, number>();
        ops.forEach((op, i) => {
          for (const change of table.apply(op, i + 1)) {
            if (change.kind !== 'granted') continue;
            expect(change.token).toBe(i + 1);
            const last = lastToken.get(change.name) ?? 0;
            // One entry may grant several holders of a semaphore (they share its version).
            if (limit === 1) expect(change.token).toBeGreaterThan(last);
            else expect(change.token).toBeGreaterThanOrEqual(last);
            lastToken.set(change.name, change.token);
          }
          for (const name of NAMES) {
            expect(table.holders(name).length).toBeLessThanOrEqual(limit);
            if (table.holders(name).length < limit) expect(table.waiters(name)).toHaveLength(0);
          }
        });
      }),
    );
  });

  it('grants in the order requests were queued (first come, first served)', () => {
    fc.assert(
      fc.property(opsArb(1), (ops) => {
        const table = new LockTable();
        const queued = new Map<string, string[]>();
        for (const change of run(table, ops)) {
          const key = `${change.peer}/${change.rid}`;
          const list = queued.get(change.name) ?? [];
          if (change.kind === 'queued') list.push(key);
          else if (change.kind === 'granted') expect(list.shift()).toBe(key);
          else if (!change.held) list.splice(list.indexOf(key), 1);
          queued.set(change.name, list);
        }
      }),
    );
  });

  it('a resent request changes nothing; a table restored from its JSON goes on exactly alike', () => {
    fc.assert(
      fc.property(opsArb(2), opsArb(2), fc.nat(), (first, rest, pick) => {
        const table = new LockTable();
        run(table, first);
        // Resending an acquire already ordered (as a client does to a new host) is a no-op.
        const acquires = first.filter((op) => op.op === 'acquire');
        const resend = acquires[pick % Math.max(1, acquires.length)];
        const before = JSON.stringify(table.toJSON());
        if (resend && !first.slice(first.indexOf(resend)).some((op) => op.op === 'left' && op.peer === resend.peer)) {
          expect(table.apply(resend, 1000)).toEqual([]);
          expect(JSON.stringify(table.toJSON())).toBe(before);
        }
        const copy = LockTable.fromJSON(JSON.parse(JSON.stringify(table.toJSON())));
        expect(run(copy, rest, 2000)).toEqual(run(table, rest, 2000));
        expect(copy.toJSON()).toEqual(table.toJSON());
      }),
    );
  });

  it('a peer that leaves holds and waits for nothing afterwards', () => {
    fc.assert(
      fc.property(opsArb(1), fc.constantFrom(...PEERS), (ops, peer) => {
        const table = new LockTable();
        run(table, ops);
        const changes = table.apply({ op: 'left', peer }, 5000);
        expect(table.peers().has(peer)).toBe(false);
        expect(changes.filter((c) => c.kind === 'granted').every((c) => c.peer !== peer)).toBe(true);
      }),
    );
  });

  it('refuses a malformed table from a peer', () => {
    expect(() => LockTable.fromJSON({ locks: [['x', [{ peer: 'a', rid: -1, token: 1 }], []]], rids: [] })).toThrow();
    expect(() => LockTable.fromJSON({ locks: 'x', rids: [] })).toThrow();
    expect(LockTable.fromJSON(undefined).size).toBe(0);
  });
});
