import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, until } from '../../support/cluster.js';

describe('three processes over a real socket', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.[Symbol.asyncDispose]();
    cluster = undefined;
  });

  it('writes from one client reach the other client; all replicas equal', async () => {
    cluster = new Cluster();
    const host = await cluster.start({}, { n: 0 });
    expect(host.role).toBe('host');
    const a = await cluster.start({}, { n: 0 });
    const b = await cluster.start({}, { n: 0 });
    expect([a.role, b.role]).toEqual(['client', 'client']);
    await b.worker.call('observe', { path: 'n' });
    const result = await a.worker.call<{ applied: boolean; version: number }>('patch', {
      update: { $inc: { n: 2 }, $set: { 'deep.x': 'y' } },
    });
    expect(result).toEqual({ version: 1, applied: true });
    const seen = await b.worker.waitForEvent((e) => e.event === 'observed' && e.value === 2);
    expect(seen.local).toBe(false);
    await until(async () => (await cluster!.statuses()).every((s) => s.status.version === 1));
    for (const w of cluster.alive())
      expect(await w.call('get')).toEqual({ n: 2, deep: { x: 'y' } });
  });
});
