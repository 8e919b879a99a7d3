/**
 * A netted delta (mesh/member-delta.ts), applied by a receiver's member map, leaves the same
 * list in the same order as applying each join and leave one at a time, from any list the
 * receivers held, over any order of joins, leaves and rejoins under the same id. And a joiner
 * welcomed at any point with the host's list of every change seen (mesh/welcome-list.ts), then
 * sent the delta that was pending and every later one, ends with the same members.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemberDelta } from '../../../src/mesh/member-delta.js';
import { MemberMap } from '../../../src/mesh/member-map.js';
import { WelcomeList } from '../../../src/mesh/welcome-list.js';
import type { Member } from '../../../src/protocol/messages.js';

type Op = { t: 'join'; id: number; clientOnly: boolean } | { t: 'leave'; id: number };

// Few ids, so that leaves hit members and the same id comes back.
const id = fc.nat(6);
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constant('join' as const), id, clientOnly: fc.boolean() }),
  fc.record({ t: fc.constant('leave' as const), id }),
);
const member = (n: number, clientOnly: boolean): Member => ({ peer: `p${n}`, clientOnly });

describe('member delta', () => {
  it('nets any run of joins and leaves into one delta with the same end list, in order', () => {
    fc.assert(
      fc.property(fc.uniqueArray(id), fc.array(op, { maxLength: 30 }), fc.array(fc.nat(30), { maxLength: 4 }), (base, ops, cuts) => {
        const start = base.map((n) => member(n, false));
        const stepwise = new MemberMap();
        const netted = new MemberMap();
        stepwise.apply({ all: start });
        netted.apply({ all: start });
        const delta = new MemberDelta();
        // Deltas are taken at arbitrary points (end of a turn, a round closing).
        const at = new Set(cuts);
        ops.forEach((step, i) => {
          if (step.t === 'join') {
            stepwise.apply({ joined: [member(step.id, step.clientOnly)] });
            delta.join(member(step.id, step.clientOnly));
          } else {
            stepwise.apply({ left: [`p${step.id}`] });
            delta.leave(`p${step.id}`);
          }
          if (at.has(i)) netted.apply(delta.take());
        });
        if (!delta.empty) netted.apply(delta.take());
        expect(delta.empty).toBe(true);
        expect(netted.list).toEqual(stepwise.list);
      }),
      { numRuns: 1000 },
    );
  });

  it('brings a joiner welcomed with every change seen, between two deltas, to the same members', () => {
    const byPeer = (list: readonly Member[]) => [...list].sort((x, y) => x.peer.localeCompare(y.peer));
    fc.assert(
      fc.property(fc.uniqueArray(id), fc.array(op, { maxLength: 30 }), fc.array(fc.nat(30), { maxLength: 4 }), fc.nat(30), (base, ops, cuts, welcomedAt) => {
        const stepwise = new MemberMap();
        stepwise.apply({ all: base.map((n) => member(n, false)) });
        const [first, ...rest] = base;
        const live = new WelcomeList(member(first ?? 99, false));
        for (const n of rest) live.join(member(n, false));
        if (first === undefined) live.leave('p99');
        const delta = new MemberDelta();
        const at = new Set(cuts);
        let joiner: MemberMap | undefined;
        ops.forEach((step, i) => {
          if (step.t === 'join') {
            stepwise.apply({ joined: [member(step.id, step.clientOnly)] });
            delta.join(member(step.id, step.clientOnly));
            live.join(member(step.id, step.clientOnly));
          } else {
            stepwise.apply({ left: [`p${step.id}`] });
            delta.leave(`p${step.id}`);
            live.leave(`p${step.id}`);
          }
          // The welcome's list is the host's own, in its order.
          expect(JSON.parse(live.json())).toEqual(stepwise.list);
          if (i === welcomedAt) {
            joiner = new MemberMap();
            joiner.apply({ all: JSON.parse(live.json()) as Member[] });
          }
          if (at.has(i)) {
            const sent = delta.take();
            joiner?.apply(sent);
          }
        });
        joiner?.apply(delta.take());
        if (joiner) expect(byPeer(joiner.list)).toEqual(byPeer(stepwise.list));
      }),
      { numRuns: 1000 },
    );
  });

  it('names each id at most once per side however often it came and went', () => {
    const delta = new MemberDelta();
    for (let i = 0; i < 5; i++) {
      delta.join(member(1, false));
      delta.leave('p1');
    }
    delta.join(member(1, true));
    expect(delta.take()).toEqual({ joined: [member(1, true)], left: ['p1'] });
    expect(delta.empty).toBe(true);
  });
});
