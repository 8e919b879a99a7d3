import { afterEach, describe, expect, it } from 'vitest';
import { MemSync, MemSyncError } from '../../../src/index.js';
import { createLoopbackTransport } from '../../../src/transport/loopback.js';

/** Errors never vanish and always say what happened, with a code. */
describe('errors that never vanish', () => {
  const open: MemSync[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((m) => m.stop()));
  });

  function make(defaults: Record<string, unknown> = { n: 0 }): MemSync {
    const mem = new MemSync('errors', defaults as never, {
      transport: createLoopbackTransport(),
      path: '/loopback/errors',
      gatherMs: 30,
    });
    open.push(mem);
    return mem;
  }

  it('an observer that throws with nobody listening for error becomes a process warning', async () => {
    const mem = make();
    await mem.start();
    mem.observe('n', () => {
      throw new Error('observer broke');
    });
    const warning = new Promise<Error>((resolve) => process.once('warning', resolve));
    await mem.patch({ $inc: { n: 1 } });
    const seen = await warning;
    expect(seen).toBeInstanceOf(MemSyncError);
    expect(seen).toMatchObject({ code: 'ERR_OBSERVER', message: expect.stringMatching(/observer of 'n' threw: observer broke/) });
  });

  it('with an error listener the observer failure is an error event of its own code', async () => {
    const mem = make();
    await mem.start();
    mem.observe('n', () => {
      throw new Error('boom');
    });
    const error = new Promise<MemSyncError>((resolve) => mem.once('error', resolve));
    await mem.patch({ $inc: { n: 1 } });
    expect((await error).code).toBe('ERR_OBSERVER');
  });

  it('a live() write refused by validation reaches the error event with its code', async () => {
    const mem = new MemSync('errors', { n: 0 }, {
      transport: createLoopbackTransport(),
      path: '/loopback/errors',
      limits: { maxDepth: 3 },
    });
    open.push(mem);
    await mem.start();
    const error = new Promise<MemSyncError>((resolve) => mem.once('error', resolve));
    const live = mem.live() as Record<string, unknown>;
    live.deep = { a: { b: { c: { d: 1 } } } };
    expect((await error).code).toBe('ERR_LIMIT_EXCEEDED');
    expect(mem.data).toEqual({ n: 0 });
  });

  it('patch() before start() rejects with ERR_NOT_STARTED, after stop() with ERR_STOPPED', async () => {
    const mem = make();
    await expect(mem.patch({ $inc: { n: 1 } })).rejects.toMatchObject({ code: 'ERR_NOT_STARTED' });
    await mem.start();
    await mem.stop();
    await expect(mem.patch({ $inc: { n: 1 } })).rejects.toMatchObject({ code: 'ERR_STOPPED' });
  });

  it('observe() with a non-function throws a MemSyncError', () => {
    const mem = make();
    expect(() => mem.observe('n', 5 as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });

  it('changes({ signal }) ends the loop on abort instead of throwing out of it', async () => {
    const mem = make();
    await mem.start();
    const controller = new AbortController();
    const seen: number[] = [];
    const loop = (async () => {
      for await (const change of mem.changes({ signal: controller.signal })) {
        seen.push(change.version);
        if (seen.length === 1) controller.abort();
      }
      return 'ended';
    })();
    await mem.patch({ $inc: { n: 1 } });
    await expect(loop).resolves.toBe('ended');
    expect(seen.length).toBeGreaterThanOrEqual(1);
  });

  it('unknown options are refused with a did-you-mean; defaults must be a plain object', () => {
    expect(() => new MemSync('x', {}, { patchTimout: 5 } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringMatching(/unknown option 'patchTimout' \(did you mean 'patchTimeout'\?\)/) }),
    );
    expect(() => new MemSync('x', {}, { limits: { maxDepht: 5 } } as never)).toThrow(
      expect.objectContaining({ message: expect.stringMatching(/did you mean 'maxDepth'/) }),
    );
    expect(() => new MemSync('x', {}, { wholly: 1 } as never)).toThrow(/unknown option 'wholly'$/);
    expect(() => new MemSync('x', [1, 2] as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringMatching(/not an array/) }),
    );
    expect(() => new MemSync('x', new Map() as never)).toThrow(/not a Map/);
    expect(new MemSync('x', { a: 1, b: undefined }).data).toEqual({ a: 1 });
  });
});
