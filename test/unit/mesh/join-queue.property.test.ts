/**
 * The join queue (mesh/join-queue.ts) welcomes exactly the joiners the plain rule would:
 * those every host-capable welcomed member knows of (host-peers.ts, notYetAware), over any
 * order of joins, acknowledgements and leaves.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type HostPeer, newHostPeer, notYetAware } from '../../../src/mesh/host-peers.js';
import { JoinQueue } from '../../../src/mesh/join-queue.js';
import type { Connection } from '../../../src/transport/types.js';

type Op = { t: 'join'; clientOnly: boolean } | { t: 'ack'; i: number; ahead: number } | { t: 'leave'; i: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constant('join' as const), clientOnly: fc.boolean() }),
  fc.record({ t: fc.constant('ack' as const), i: fc.nat(40), ahead: fc.integer({ min: -3, max: 3 }) }),
  fc.record({ t: fc.constant('leave' as const), i: fc.nat(40) }),
);

describe('join queue', () => {
  it('welcomes the joiners every host-capable member knows of, as the plain rule does', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const queue = new JoinQueue();
        const peers = new Set<HostPeer>();
        const order: HostPeer[] = [];
        let seq = 0;
        let n = 0;
        const welcome = (peer: HostPeer) => {
          peer.welcomed = true;
          peer.knownSeq = seq;
          if (!peer.member!.clientOnly) queue.track(peer.knownSeq);
        };
        for (const step of ops) {
          if (step.t === 'join') {
            const peer = newHostPeer({} as Connection);
            peer.member = { peer: `p${n++}`, clientOnly: step.clientOnly };
            peer.joinSeq = ++seq;
            peers.add(peer);
            order.push(peer);
            queue.push(peer);
          } else {
            const live = order.filter((p) => peers.has(p));
            const peer = live[step.i % Math.max(1, live.length)];
            if (peer === undefined) continue;
            if (step.t === 'leave') {
              peers.delete(peer);
              if (peer.welcomed && !peer.member!.clientOnly) queue.untrack(peer.knownSeq);
              seq++;
            } else if (peer.welcomed) {
              const known = Math.max(peer.knownSeq, Math.min(seq + step.ahead, seq));
              if (!peer.member!.clientOnly) queue.moved(peer.knownSeq, known);
              peer.knownSeq = known;
            }
          }
          const expected = order.filter((p) => peers.has(p) && !p.welcomed && notYetAware(p, peers).length === 0);
          const ready = queue.ready((p) => p.welcomed || !peers.has(p));
          expect(ready.map((p) => p.member!.peer)).toEqual(expected.map((p) => p.member!.peer));
          for (const peer of ready) welcome(peer);
        }
      }),
      { numRuns: 500 },
    );
  });
});
