/**
 * Type tests: the expectTypeOf checks are enforced by `tsc --noEmit` (CI runs it); the runtime
 * part checks that a typed observe is a thin view over the untyped registry.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { ObserverRegistry } from '../../../src/observe/registry.js';
import type { PathOf, TypedObserve, ValueAt } from '../../../src/observe/typed-paths.js';
import type { JsonObject, JsonValue } from '../../../src/types.js';

interface Doc {
  title: string;
  count: number;
  owner?: { name: string; email?: string };
  tags: string[];
  rows: Array<{ id: number; cells: boolean[] }>;
  byId: Record<string, { score: number }>;
  meta: JsonValue;
}

describe('PathOf', () => {
  it('lists the dotted paths of a typed object, the root included', () => {
    expectTypeOf<PathOf<{ a: { b: number }; c: string }>>().toEqualTypeOf<
      '' | 'a' | 'a.b' | 'c' | '*' | 'a.*' | '*.b' | '*.*'
    >();
  });

  it('gives numeric and * segments for arrays, and * for any key of an object', () => {
    type Below = `${number}` | '*' | `${number}.x` | '*.x' | `${number}.*` | '*.*';
    expectTypeOf<PathOf<{ list: { x: number }[] }>>().toEqualTypeOf<
      '' | 'list' | `list.${Below}` | '*' | `*.${Below}`
    >();
    expectTypeOf<'config.*'>().toExtend<PathOf<{ config: { mode: string; level: number } }>>();
  });

  it('accepts real paths and rejects misspelt ones', () => {
    expectTypeOf<'owner.email'>().toExtend<PathOf<Doc>>();
    expectTypeOf<'rows.3.cells.0'>().toExtend<PathOf<Doc>>();
    expectTypeOf<'rows.*.id'>().toExtend<PathOf<Doc>>();
    expectTypeOf<'byId.anything.score'>().toExtend<PathOf<Doc>>();
    expectTypeOf<'meta.deep.down.anywhere'>().toExtend<PathOf<Doc>>();
    expectTypeOf<'titel'>().not.toExtend<PathOf<Doc>>();
    expectTypeOf<'owner.nmae'>().not.toExtend<PathOf<Doc>>();
    expectTypeOf<'rows.x'>().not.toExtend<PathOf<Doc>>();
  });

  it('falls back to string for untyped documents', () => {
    expectTypeOf<PathOf<JsonObject>>().toEqualTypeOf<string>();
    expectTypeOf<PathOf<Record<string, JsonValue>>>().toEqualTypeOf<string>();
  });

  it('stops recursing after a bounded depth and then allows any deeper path', () => {
    type Deep = { a: { b: { c: { d: { e: { f: { g: { h: number } } } } } } } };
    expectTypeOf<'a.b.c.d.e.f.g.h'>().toExtend<PathOf<Deep>>();
    expectTypeOf<'a.b.c.d.e.f.g.anything.below'>().toExtend<PathOf<Deep>>();
    expectTypeOf<'a.b.c.d.e.f.x'>().not.toExtend<PathOf<Deep>>();
    expectTypeOf<ValueAt<Deep, 'a.b.c.d.e.f.g.h'>>().toEqualTypeOf<number>();
  });
});

describe('ValueAt', () => {
  it('finds the type at a path', () => {
    expectTypeOf<ValueAt<Doc, ''>>().toEqualTypeOf<Doc>();
    expectTypeOf<ValueAt<Doc, 'title'>>().toEqualTypeOf<string>();
    expectTypeOf<ValueAt<Doc, 'rows.2.cells'>>().toEqualTypeOf<boolean[] | undefined>();
    expectTypeOf<ValueAt<Doc, 'rows.*.id'>>().toEqualTypeOf<number | undefined>();
  });

  it('adds undefined through optional properties and index signatures', () => {
    expectTypeOf<ValueAt<Doc, 'owner.name'>>().toEqualTypeOf<string | undefined>();
    expectTypeOf<ValueAt<Doc, 'owner.email'>>().toEqualTypeOf<string | undefined>();
    expectTypeOf<ValueAt<Doc, 'byId.k.score'>>().toEqualTypeOf<number | undefined>();
  });

  it('is JsonValue | undefined below an untyped value', () => {
    expectTypeOf<ValueAt<Doc, 'meta.x.y'>>().toEqualTypeOf<JsonValue | undefined>();
    expectTypeOf<ValueAt<JsonObject, 'any.path'>>().toEqualTypeOf<JsonValue | undefined>();
  });
});

describe('TypedObserve', () => {
  it('types the callback from the path and runs over the untyped registry', () => {
    const registry = new ObserverRegistry();
    const observe = registry.observe.bind(registry) as unknown as TypedObserve<Doc>;
    const counts: number[] = [];
    observe('count', (value, change) => {
      expectTypeOf(value).toEqualTypeOf<number>();
      expectTypeOf(change.previous).toEqualTypeOf<number>();
      counts.push(value);
    });
    // @ts-expect-error: not a path of Doc
    observe('cuont', () => {});

    const before = { title: 't', count: 1, tags: [], rows: [], byId: {}, meta: null };
    registry.notify(
      { before, after: { ...before, count: 2 }, paths: ['count'] },
      { version: 2, origin: 'p', local: true },
    );
    expect(counts).toEqual([2]);
  });
});
