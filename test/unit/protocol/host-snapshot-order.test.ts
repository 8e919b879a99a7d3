/**
 * A member welcomed during a gather is sent a snapshot at once; when the gather then adopts a
 * longer history as a snapshot, that member is sent a second one, and the gather ends in the
 * same read, ordering what waited. The interleaving of the chaos run (seed 974367413): the
 * entries ordered at the gather's end went out before the second stream's first part, and the
 * member, at the first snapshot's version, failed with `version gap: have 0, got 25`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { idKey } from '../../../src/mesh/identity.js';
import { HostHarness, HOST_EPOCH, helloFrom, settle, waitFor } from './role-harness.js';

const TOKEN = 'a-token-of-sixteen-or-more';

describe('a member sent two snapshots in a row', () => {
  const harnesses: HostHarness[] = [];
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((h) => h.stop()));
  });

  it('gets each stream whole, the newer after the older, and entries only after both', async () => {
    const up = { peer: 'up', clientOnly: false, key: idKey('up', TOKEN) };
    const h = new HostHarness({ expected: ['up'], previous: [up], isAlive: () => true });
    harnesses.push(h);
    // A fresh joiner, not awaited: welcomed with our state (version 0) while we gather.
    const fresh = h.connect();
    fresh.deliver(helloFrom('fresh'));
    await settle();
    expect(fresh.sentOf('snapshot')).toMatchObject([{ part: 0, last: true, meta: { version: 0 } }]);
    // Our own write waits for the gather's end; then it is ordered after the adopted history.
    h.writeOwn({ $inc: { n: 1 } });
    const uploader = h.connect();
    uploader.deliver(helloFrom('up', { token: TOKEN, version: 24, entryEpoch: 5, knownEpoch: 5 }));
    await settle();
    expect(uploader.sentOf('request-history')).toHaveLength(1);
    // The whole upload in one read: the gather adopts it and ends before the read is over.
    uploader.deliver({
      type: 'snapshot',
      epoch: HOST_EPOCH,
      part: 0,
      last: true,
      entries: [['n', 24]],
      meta: { version: 24, epoch: 5, stamps: [], seqs: [] },
    });
    uploader.endRead();
    expect(h.ready).toBe(true);
    await waitFor(() => fresh.sentOf('entries').some((m) => (m.entries as unknown[]).length > 0), 'the entry ordered at the end of the gather');
    // What the fresh member was sent after its welcome, in order.
    const after = fresh.sent.filter((m) => m.type === 'snapshot' || m.type === 'entries');
    const kinds = after.map((m) => (m.type === 'snapshot' ? `snapshot@${(m.meta as { version: number } | undefined)?.version ?? 'part'}` : 'entries'));
    expect(kinds).toEqual(['snapshot@0', 'snapshot@24', 'entries']);
    expect(after[2]).toMatchObject({ entries: [{ version: 25 }] });
  });
});
