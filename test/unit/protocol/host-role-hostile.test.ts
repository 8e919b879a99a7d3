/**
 * The host role fed hostile messages directly: the cases that need a precise moment (the
 * gather of a new host) or a precise look inside (its clock, its replica), which a test
 * over sockets cannot reach.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  HOST_EPOCH,
  HostHarness,
  helloFrom,
  type ScriptedConnection,
  settle,
} from './role-harness.js';

let seq = 0;
/** A submit of one patch of `peer`, stamped now unless `extra` says otherwise. */
function submit(
  peer: string,
  update: unknown,
  extra: Record<string, unknown> = {},
  epoch = HOST_EPOCH,
): Record<string, unknown> {
  seq += 1;
  return {
    type: 'submit',
    epoch,
    patches: [{ peer, seq, ts: Date.now() * 1000, update, ...extra }],
  };
}

/** Entries the host broadcast to `conn`, flattened. */
function entriesSeenBy(conn: ScriptedConnection): { patch: { peer: string } }[] {
  return conn
    .sentOf('entries')
    .flatMap((m) => m.entries as { patch: { peer: string } }[]);
}

describe('host role against hostile peers', () => {
  const harnesses: HostHarness[] = [];
  function host(options: ConstructorParameters<typeof HostHarness>[0] = {}): HostHarness {
    const harness = new HostHarness(options);
    harnesses.push(harness);
    return harness;
  }
  afterEach(async () => {
    vi.useRealTimers();
    await Promise.all(harnesses.splice(0).map((h) => h.stop()));
  });

  describe('a patch whose ts is not a safe integer, queued while a new host gathers', () => {
    it('keeps the returning honest member linked and the host ready', async () => {
      const h = host({ expected: ['honest'] });
      const attacker = await h.join('attacker');
      attacker.deliver(submit('attacker', { $set: { x: 'forged' } }, { ts: 0.5 }));
      const honest = h.connect();
      honest.deliver(helloFrom('honest'));
      await settle();
      expect(honest.closed).toBe(false);
      expect(h.ready).toBe(true);
      expect(h.core.replica.version).toBe(0);
      expect(h.peerErrors.filter((e) => e.peer === 'honest')).toEqual([]);
    });

    it('does not throw out of the gather timer (which would crash the host process)', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const h = host({ expected: ['gone'], gatherMs: 300 });
      const attacker = await h.join('attacker');
      attacker.deliver(submit('attacker', { $set: { x: 'forged' } }, { ts: 1e300 }));
      expect(() => vi.advanceTimersByTime(300)).not.toThrow();
      await settle();
      expect(h.ready).toBe(true);
      expect(h.core.replica.version).toBe(0);
    });
  });

  describe('a ts of Number.MAX_SAFE_INTEGER', () => {
    it('is refused: the peer is cut off and nothing is ordered', async () => {
      const h = host();
      await settle();
      const attacker = await h.join('attacker');
      attacker.deliver(
        submit('attacker', { $set: { x: 'forged' } }, { ts: Number.MAX_SAFE_INTEGER }),
      );
      await settle();
      expect(attacker.closed).toBe(true);
      expect(h.core.replica.version).toBe(0);
    });

    it("does not poison the host's clock: its own next patch is still ordered", async () => {
      const h = host();
      await settle();
      const attacker = await h.join('attacker');
      attacker.deliver(submit('attacker', { $inc: { n: 1 } }, { ts: Number.MAX_SAFE_INTEGER }));
      await settle();
      const before = h.core.replica.version;
      expect(() => h.writeOwn({ $inc: { n: 10 } })).not.toThrow();
      // Applied here once sent, at the end of the turn (unapplied-entries.ts).
      await settle();
      expect(h.core.replica.version).toBe(before + 1);
      expect(Number.isSafeInteger(h.core.clock.last)).toBe(true);
    });

    it("does not make an honest client's later $set of the same path stale", async () => {
      const h = host();
      await settle();
      const attacker = await h.join('attacker');
      const honest = await h.join('honest');
      const forged = { ts: Number.MAX_SAFE_INTEGER };
      attacker.deliver(submit('attacker', { $set: { x: 'forged' } }, forged));
      honest.deliver(submit('honest', { $set: { x: 'honest' } }));
      await settle();
      expect(honest.closed).toBe(false);
      expect(h.core.replica.state.x).toBe('honest');
    });
  });

  describe('stamps that each lead the last by just under the bound', () => {
    it('cannot walk the clocks forward: the bound follows real time, not what was admitted', async () => {
      const h = host();
      await settle();
      const attacker = await h.join('attacker');
      const honest = await h.join('honest');
      // Each forged stamp 59 s past the previous: against a bound measured from the host's
      // hybrid clock (which absorbs each one) all would pass, a thousand would be ~16 h ahead.
      for (let i = 1; i <= 50; i++) {
        attacker.deliver(submit('attacker', { $set: { x: `forged-${i}` } }, { ts: (Date.now() + 59_000 * i) * 1000 }));
      }
      await settle();
      // Each was lowered to the ceiling: a minute past real time, not fifty.
      expect(h.core.clock.last).toBeLessThanOrEqual((Date.now() + 61_000) * 1000);
      expect(honest.closed).toBe(false);
    });
  });

  describe('a seq far ahead', () => {
    it('takes what a writer numbering from its start time could send, and refuses a forged future one', async () => {
      const h = host();
      await settle();
      // A process started now numbers from now in microseconds (clock/write-numbers.ts).
      const honest = await h.join('restarted');
      honest.deliver(submit('restarted', { $inc: { n: 1 } }, { seq: Date.now() * 1000 + 1 }));
      await settle();
      expect(honest.closed).toBe(false);
      expect(h.core.replica.version).toBe(1);
      // Two days ahead (a clock step of a day is ridden out): it would make the writer's
      // real patches look like resends.
      const attacker = await h.join('attacker');
      attacker.deliver(submit('attacker', { $inc: { n: 1 } }, { seq: (Date.now() + 2 * 86_400_000) * 1000 }));
      await settle();
      expect(attacker.closed).toBe(true);
      expect(h.core.replica.version).toBe(1);
    });
  });

  describe('history a gathering host asked for', () => {
    /** A host that waits for `x` and asked the attacker, who claims version 5, for history. */
    async function askedForHistory(): Promise<{ h: HostHarness; attacker: ScriptedConnection }> {
      const h = host({ expected: ['x'] });
      const attacker = h.connect();
      attacker.deliver(helloFrom('attacker', { version: 5, entryEpoch: 1, knownEpoch: 1 }));
      // Welcomed (and asked) at the end of the turn: member changes go out then.
      await settle();
      expect(attacker.sentOf('request-history')).toHaveLength(1);
      return { h, attacker };
    }

    it.each([
      ['__proto__ at the root', '{"__proto__":{"polluted":1}}'],
      ['constructor.prototype nested', '{"a":{"constructor":{"prototype":{"polluted":1}}}}'],
      ['an array nested 100k deep', `{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`],
    ])('a snapshot whose state holds %s: cut off, not installed', async (_name, state) => {
      const { h, attacker } = await askedForHistory();
      const data = `{"version":5,"epoch":1,"stamps":[],"seqs":[],"state":${state}}`;
      attacker.deliver({ type: 'snapshot', epoch: HOST_EPOCH, part: 0, last: true, data });
      await settle();
      expect(attacker.closed).toBe(true);
      expect(h.core.replica.version).toBe(0);
      expect(h.core.replica.state).toEqual({ n: 0 });
      expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    });

    it.each([
      ['a reserved path', { $set: { '__proto__.polluted': 1 } }, 1],
      ['a version gap', { $set: { x: 1 } }, 3],
    ])('history with %s: cut off, nothing adopted', async (_name, update, version) => {
      const { h, attacker } = await askedForHistory();
      const patch = { peer: 'attacker', seq: 1, ts: Date.now() * 1000, update };
      attacker.deliver({
        type: 'history',
        epoch: HOST_EPOCH,
        entries: [{ version, epoch: 1, patch }],
      });
      await settle();
      expect(attacker.closed).toBe(true);
      expect(h.core.replica.version).toBe(0);
      expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    });
  });

  it('a submit from another epoch cuts the peer off', async () => {
    const h = host();
    await settle();
    for (const epoch of [HOST_EPOCH - 1, HOST_EPOCH + 1]) {
      const attacker = await h.join(`attacker-${epoch}`);
      attacker.deliver(submit(`attacker-${epoch}`, { $set: { x: 1 } }, {}, epoch));
      await settle();
      expect(attacker.closed).toBe(true);
    }
    expect(h.core.replica.version).toBe(0);
  });

  it("a hello reusing a connected peer's id does not cut the connected peer off", async () => {
    const h = host();
    await settle();
    const honest = await h.join('honest');
    const impostor = h.connect();
    impostor.deliver(helloFrom('honest'));
    await settle();
    expect(honest.closed).toBe(false);
  });

  it('a submit with one invalid patch orders none of its patches', async () => {
    const h = host();
    await settle();
    const honest = await h.join('honest');
    const attacker = await h.join('attacker');
    attacker.deliver({
      type: 'submit',
      epoch: HOST_EPOCH,
      patches: [
        { peer: 'attacker', seq: 1, ts: Date.now() * 1000, update: { $set: { x: 'first' } } },
        { peer: 'attacker', seq: 2, ts: Date.now() * 1000, update: { $where: { x: 1 } } },
      ],
    });
    await settle();
    expect(attacker.closed).toBe(true);
    expect(h.core.replica.version).toBe(0);
    expect(entriesSeenBy(honest).filter((e) => e.patch.peer === 'attacker')).toEqual([]);
  });

  it('a patch with a fractional ts outside the gather: cut off, nothing ordered', async () => {
    const h = host();
    await settle();
    const honest = await h.join('honest');
    const attacker = await h.join('attacker');
    attacker.deliver(submit('attacker', { $set: { x: 'forged' } }, { ts: 0.5 }));
    await settle();
    expect(attacker.closed).toBe(true);
    expect(honest.closed).toBe(false);
    expect(h.core.replica.version).toBe(0);
    honest.deliver(submit('honest', { $set: { x: 'honest' } }));
    await settle();
    expect(h.core.replica.state.x).toBe('honest');
  });
});
