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
});
