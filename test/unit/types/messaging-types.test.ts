import { describe, expectTypeOf, it } from 'vitest';
import type { EventMeta, MemSync, MemSyncLock } from '../../../src/index.js';

/**
 * Type tests of events, RPC and locks (see patch-types.test.ts for how these work). The
 * calls sit in functions that never run: the typecheck is the test.
 */
type Events = { 'job-done': { id: number }; ping: null };
type Rpc = { resize(args: { w: number }): { ok: boolean }; slow(args: string): Promise<number> };

declare const mem: MemSync<{ n: number }, Events, Rpc>;
declare const untypedMem: MemSync;

function events(): void {
  expectTypeOf(mem.events.emit<'job-done'>).parameter(1).toEqualTypeOf<{ id: number }>();
  // @ts-expect-error an event the map does not name
  mem.events.emit('nope', 1);
  // @ts-expect-error a payload of the wrong shape
  mem.events.emit('job-done', { id: 'x' });
  mem.events.on('job-done', (payload, meta) => {
    expectTypeOf(payload).toEqualTypeOf<{ id: number }>();
    expectTypeOf(meta).toEqualTypeOf<EventMeta>();
  });
}

function rpc(): void {
  expectTypeOf(mem.call('resize', { w: 1 })).toEqualTypeOf<Promise<{ ok: boolean }>>();
  expectTypeOf(mem.call('slow', 'x')).toEqualTypeOf<Promise<number>>();
  // @ts-expect-error wrong arguments
  void mem.call('resize', { h: 1 });
  // @ts-expect-error a method the map does not name
  void mem.call('other', 1);
  mem.handle('resize', (args) => ({ ok: args.w > 0 }));
  // @ts-expect-error a handler returning the wrong result
  mem.handle('resize', () => ({ ok: 'yes' }));
}

function untypedAndLocks(): void {
  expectTypeOf(untypedMem.call('anything', { a: 1 })).toEqualTypeOf<Promise<unknown>>();
  untypedMem.events.emit('any', [1, 2]);
  expectTypeOf(mem.lock('x')).toEqualTypeOf<Promise<MemSyncLock>>();
}

describe('typed messaging', () => {
  it('checks event names and payloads, RPC arguments and results, and types locks', () => {
    expectTypeOf(events).toBeFunction();
    expectTypeOf(rpc).toBeFunction();
    expectTypeOf(untypedAndLocks).toBeFunction();
    expectTypeOf<MemSyncLock['token']>().toEqualTypeOf<number>();
  });
});
