/**
 * Conditions that would run code. The wire cannot carry a function, but a caller in the
 * same process can pass one: `patch()` must refuse both the script operators and any
 * function value before anything is applied, and never call the function.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemSync, type PatchOptions } from '../../../src/index.js';
import { createLoopbackTransport } from '../../../src/transport/loopback.js';

/** Counts calls: any call means mingo (or anyone) ran caller-supplied code. */
function spy(): { calls: number; fn: (...args: unknown[]) => boolean } {
  const record = {
    calls: 0,
    fn: (): boolean => {
      record.calls += 1;
      return true;
    },
  };
  return record;
}

describe('patch() with script conditions', () => {
  const open: MemSync[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((m) => m.stop()));
  });

  async function started(): Promise<MemSync> {
    const mem = new MemSync('scripts', { n: 0 }, {
      transport: createLoopbackTransport(),
      path: '/loopback/scripts',
      gatherMs: 10,
    });
    open.push(mem);
    expect(await mem.start()).toBe('host');
    return mem;
  }

  const script = spy();
  const cases: [string, unknown][] = [
    ["$where: 'sleep(1000)'", { $where: 'sleep(1000)' }],
    ['$where with a function', { $where: script.fn }],
    ['$where under a field', { n: { $where: 'sleep(1000)' } }],
    [
      '$expr with $function',
      { $expr: { $function: { body: script.fn, args: [], lang: 'js' } } },
    ],
    [
      '$expr with $function as text',
      { $expr: { $function: { body: 'function () { return true }', args: [], lang: 'js' } } },
    ],
    [
      '$expr with $accumulator',
      {
        $expr: {
          $accumulator: {
            init: script.fn,
            accumulate: script.fn,
            accumulateArgs: [],
            merge: script.fn,
            lang: 'js',
          },
        },
      },
    ],
    ['$expr reading $$NOW', { $expr: { $gt: ['$$NOW', 0] } }],
    ['a function as a plain value', { n: script.fn }],
  ];

  it.each(cases)('%s: ERR_INVALID_CONDITION, nothing applied', async (_name, condition) => {
    const mem = await started();
    const options = { if: condition } as PatchOptions;
    await expect(mem.patch({ $inc: { n: 1 } }, options)).rejects.toMatchObject({
      name: 'PatchValidationError',
      code: 'ERR_INVALID_CONDITION',
    });
    expect(mem.data).toEqual({ n: 0 });
    expect(mem.version).toBe(0);
    expect(script.calls).toBe(0);
    // The instance is unharmed: the next honest patch applies.
    expect(await mem.patch({ $inc: { n: 1 } })).toEqual({ version: 1, applied: true });
  });

  it('a script operator in an array filter or a $pull condition is rejected too', async () => {
    const mem = await started();
    await expect(
      mem.patch({ $set: { 'list.$[x]': 1 } }, {
        arrayFilters: [{ x: { $where: 'sleep(1000)' } }],
      } as PatchOptions),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_CONDITION' });
    await expect(
      mem.patch({ $pull: { list: { $where: 'sleep(1000)' } } } as never),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_CONDITION' });
    expect(mem.version).toBe(0);
  });
});
