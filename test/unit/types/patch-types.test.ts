import { describe, expectTypeOf, it } from 'vitest';
import {
  type DeepReadonly,
  type MemSync,
  type MemSyncError,
  type PatchResult,
  type TimeoutError,
  type TypedUpdate,
  untyped,
} from '../../../src/index.js';

/**
 * Type tests: what must compile and what must not (`@ts-expect-error` fails the typecheck
 * when the line below it compiles). `npm run typecheck` holds them; vitest runs the file too.
 */
type Doc = {
  config: { mode: 'safe' | 'fast'; retries: number };
  tags: string[];
  counters: { hits: number };
  name: string;
};

declare const mem: MemSync<Doc>;

describe('typed patch()', () => {
  it('accepts updates that fit the document', () => {
    expectTypeOf<{ $set: { 'config.mode': 'fast' } }>().toMatchTypeOf<TypedUpdate<Doc>>();
    expectTypeOf<{ $inc: { 'counters.hits': 1; 'config.retries': -1 } }>().toMatchTypeOf<TypedUpdate<Doc>>();
    expectTypeOf<{ $push: { tags: 'x' } }>().toMatchTypeOf<TypedUpdate<Doc>>();
    expectTypeOf<{ $push: { tags: { $each: ['a', 'b']; $slice: -5 } } }>().toMatchTypeOf<TypedUpdate<Doc>>();
    expectTypeOf<{ $addToSet: { tags: { $each: ['a'] } } }>().toMatchTypeOf<TypedUpdate<Doc>>();
    expectTypeOf<{ $unset: { name: '' } }>().toMatchTypeOf<TypedUpdate<Doc>>();
  });

  it('refuses what cannot be right', () => {
    const wrong = (): void => {
      // @ts-expect-error a misspelt path
      void mem.patch({ $set: { 'config.mdoe': 'safe' } });
      // @ts-expect-error a value of the wrong type
      void mem.patch({ $set: { 'config.mode': 42 } });
      // @ts-expect-error $inc on a string field
      void mem.patch({ $inc: { name: 1 } });
      // @ts-expect-error $push onto a number
      void mem.patch({ $push: { 'counters.hits': 1 } });
      // @ts-expect-error $push of an element of the wrong type
      void mem.patch({ $push: { tags: 5 } });
      // @ts-expect-error the observe wildcard is no path to write
      void mem.patch({ $set: { 'config.*': 1 } });
    };
    void wrong;
  });

  it('has an escape hatch for what types cannot follow', () => {
    const fine = (): void => {
      void mem.patch(untyped({ $set: { 'tags.$[t]': 'y' } }), { arrayFilters: [{ t: 'x' }] });
    };
    void fine;
  });
});

describe('typed reads and results', () => {
  it('reads are deeply read-only and get() without a path is the document', () => {
    // `mem` is only declared: the reads are type-level.
    expectTypeOf<MemSync<Doc>['data']>().toEqualTypeOf<DeepReadonly<Doc>>();
    expectTypeOf<ReturnType<typeof mem.get<'config.retries'>>>().toEqualTypeOf<number>();
    const reads = () => mem.get();
    expectTypeOf(reads).returns.toEqualTypeOf<DeepReadonly<Doc>>();
    const write = (): void => {
      // @ts-expect-error what is read is read-only
      mem.data.config.mode = 'fast';
      // @ts-expect-error arrays too
      mem.data.tags.push('x');
    };
    void write;
  });

  it('PatchResult is a discriminated union', () => {
    const narrow = (result: PatchResult): string => {
      if (result.applied) {
        // @ts-expect-error an applied patch has no reason
        return result.reason;
      }
      expectTypeOf(result.reason).toEqualTypeOf<'stale' | 'condition' | 'duplicate' | 'failed'>();
      return result.reason;
    };
    void narrow;
  });

  it('error subclasses carry literal code types', () => {
    expectTypeOf<TimeoutError['code']>().toEqualTypeOf<'ERR_TIMEOUT'>();
    expectTypeOf<MemSyncError['code']>().toMatchTypeOf<string>();
  });

  it('types the if condition against the document', () => {
    const fine = (): void => {
      void mem.patch({ $inc: { 'counters.hits': 1 } }, { if: { 'counters.hits': { $lt: 10 } } });
      void mem.patch({ $set: { name: 'x' } }, { if: { 'config.mode': 'safe', name: { $in: ['a', 'b'] } } });
      void mem.patch({ $set: { name: 'x' } }, { if: { $or: [{ 'config.retries': { $gte: 1 } }, { name: { $regex: '^a' } }] } });
      // An array field matches one of its elements, as in MongoDB, and takes the array operators.
      void mem.patch({ $pop: { tags: 1 } }, { if: { tags: 'urgent' } });
      void mem.patch({ $pop: { tags: 1 } }, { if: { tags: { $size: 2, $all: ['a'] } } });
      void mem.patch({ $set: { name: 'x' } }, { if: { name: { $exists: true, $not: { $eq: 'y' } } } });
      // The escape hatch, for what the types cannot follow.
      void mem.patch({ $set: { name: 'x' } }, { if: untyped({ 'tags.0': { $type: 'string' }, $comment: 'x' }) });
    };
    const wrong = (): void => {
      // @ts-expect-error a misspelt path in the condition
      void mem.patch({ $set: { name: 'x' } }, { if: { 'config.mdoe': 'safe' } });
      // @ts-expect-error a value of the wrong type
      void mem.patch({ $set: { name: 'x' } }, { if: { 'counters.hits': 'ten' } });
      // @ts-expect-error an order comparison of a number with a string
      void mem.patch({ $set: { name: 'x' } }, { if: { 'counters.hits': { $gt: 'a' } } });
      // @ts-expect-error $in with elements of the wrong type
      void mem.patch({ $set: { name: 'x' } }, { if: { name: { $in: [1, 2] } } });
      // @ts-expect-error $size on a string
      void mem.patch({ $set: { name: 'x' } }, { if: { name: { $size: 2 } } });
      // @ts-expect-error $regex on a number
      void mem.patch({ $set: { name: 'x' } }, { if: { 'counters.hits': { $regex: '1' } } });
      // @ts-expect-error a wrong path inside $or
      void mem.patch({ $set: { name: 'x' } }, { if: { $or: [{ nmae: 'x' }] } });
      // @ts-expect-error an operator that does not exist
      void mem.patch({ $set: { name: 'x' } }, { if: { name: { $where: 'x' } } });
    };
    void fine;
    void wrong;
  });

  it('a typed MemSync is still a MemSync, and an untyped one takes any condition object', () => {
    expectTypeOf<MemSync<Doc>>().toMatchTypeOf<MemSync>();
    const untypedMem = null as unknown as MemSync;
    const fine = (): void => {
      void untypedMem.patch({ $set: { anything: 1 } }, { if: { whatever: { $gt: 1 } } });
    };
    void fine;
  });
});
