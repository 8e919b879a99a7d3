/**
 * Locks, events and RPC are one machine's (src/backplane/one-machine.ts says why): on a mesh
 * with a backplane every one of them is refused with ERR_BACKPLANE, in a real process on a
 * real Redis, and the document goes on working across machines.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { redisBackplane } from '../../../src/backplane/redis/index.js';
import { MemSync } from '../../../src/index.js';
import { MemSyncError } from '../../../src/errors.js';
import { Machines } from '../../support/machines.js';

describe('messaging with a backplane', () => {
  let machines: Machines | undefined;
  afterEach(async () => {
    await machines?.[Symbol.asyncDispose]();
    machines = undefined;
  });

  it('locks, events and RPC are refused with ERR_BACKPLANE; patches still cross machines', { timeout: 60_000 }, async () => {
    machines = await Machines.start(2);
    const a = await machines.start(0, { n: 0 });
    const b = await machines.start(1, { n: 0 });
    const oneMachine = /work within one machine only, and this mesh has a redis backplane/;
    expect(await a.call('tryLock', { name: 'job', timeout: 2000 })).toEqual({ ok: false, code: 'ERR_BACKPLANE' });
    expect(await b.call('callRpc', { name: 'resize', args: {} })).toMatchObject({ ok: false, code: 'ERR_BACKPLANE', message: expect.stringMatching(oneMachine) });
    await expect(a.call('serve', { name: 'resize', behavior: 'echo' })).rejects.toThrow(oneMachine);
    await expect(a.call('listen', { name: 'done' })).rejects.toThrow(/events work within one machine only/);
    await expect(b.call('emitMany', { name: 'done', count: 1 })).rejects.toThrow(/events work within one machine only/);
    expect(await a.call('patch', { update: { $inc: { n: 1 } } })).toMatchObject({ applied: true });
    await machines.converged(1);
    expect(await b.call('get')).toEqual({ n: 1 });
  });

  it('options.rpc with a backplane is refused at construction', () => {
    const make = (): MemSync => new MemSync('m', {}, { backplane: redisBackplane({ url: 'redis://127.0.0.1:1' }), rpc: { ping: () => 'pong' } });
    expect(make).toThrow(MemSyncError);
    expect(make).toThrow(/RPC handlers \(options.rpc\) work within one machine only/);
  });
});
