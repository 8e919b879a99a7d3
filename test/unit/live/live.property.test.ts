import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLive } from '../../../src/live/live.js';
import type { JsonObject, JsonValue } from '../../../src/types.js';
import { afterFlush, fakeSource } from './fake-source.js';

type Container = JsonValue[] | JsonObject;

const key = fc.constantFrom('a', 'b', 'c', '0');
const primitive = fc.oneof(
  fc.integer({ min: -5, max: 5 }),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 2 }),
);
const { value: anyValue, document: anyDocument } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, primitive, tie('array'), tie('document')),
  array: fc.array(tie('value'), { maxLength: 3 }),
  document: fc.dictionary(key, tie('value'), { maxKeys: 3, noNullPrototype: true }),
}));
const value = anyValue as fc.Arbitrary<JsonValue>;
const document = anyDocument as fc.Arbitrary<JsonObject>;

/** One mutation, described relative to whatever container it lands on. */
const operation = fc.record({
  at: fc.nat(),
  /** Land on the previous operation's container when it still is one: writes meet more often. */
  again: fc.boolean(),
  kind: fc.constantFrom(
    'set',
    'delete',
    'set-undefined',
    'push',
    'pop',
    'shift',
    'unshift',
    'splice',
    'sort',
    'reverse',
    'truncate',
  ),
  key,
  n: fc.nat({ max: 4 }),
  m: fc.nat({ max: 3 }),
  values: fc.array(value, { maxLength: 2 }),
});
type Operation = typeof operation extends fc.Arbitrary<infer O> ? O : never;

function containers(node: JsonValue, path: string[] = []): string[][] {
  if (node === null || typeof node !== 'object') return [];
  const children = Array.isArray(node)
    ? node.map((child, i) => [String(i), child] as const)
    : Object.entries(node);
  return [path, ...children.flatMap(([k, child]) => containers(child, [...path, k]))];
}

function at(root: unknown, path: string[]): Container {
  return path.reduce((node, k) => (node as Record<string, unknown>)[k], root) as Container;
}

/** Performs the operation on a container: the plain model and the live object alike. */
function perform(target: Container, op: Operation, isArray: boolean): void {
  const copy = (): JsonValue[] => structuredClone(op.values);
  if (!isArray) {
    const object = target as Record<string, unknown>;
    if (op.kind === 'delete') delete object[op.key];
    else if (op.kind === 'set-undefined') object[op.key] = undefined;
    else object[op.key] = structuredClone(op.values[0] ?? op.n);
    return;
  }
  const array = target as unknown[];
  const index = op.n % (array.length + 1);
  switch (op.kind) {
    case 'set':
      array[index] = structuredClone(op.values[0] ?? op.m);
      break;
    case 'delete':
    case 'set-undefined':
      if (index < array.length) delete array[index];
      break;
    case 'push':
      array.push(...copy());
      break;
    case 'pop':
      array.pop();
      break;
    case 'shift':
      array.shift();
      break;
    case 'unshift':
      array.unshift(...copy());
      break;
    case 'splice':
      array.splice(index, op.m, ...copy());
      break;
    case 'sort':
      array.sort();
      break;
    case 'reverse':
      array.reverse();
      break;
    case 'truncate':
      array.length = Math.min(array.length, op.m);
      break;
  }
}

/** JSON has no holes nor undefined: what a replica would hold after the same writes. */
function asJson(value: unknown): JsonValue {
  if (Array.isArray(value)) return Array.from(value, (v) => (v === undefined ? null : asJson(v)));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, asJson(v)]),
    );
  }
  return value as JsonValue;
}

describe('createLive property', () => {
  it('one tick of mutations gives one valid patch whose result equals mutating a plain copy', async () => {
    await fc.assert(
      fc.asyncProperty(document, fc.array(operation, { maxLength: 8 }), async (initial, ops) => {
        const source = fakeSource<JsonObject>(initial);
        const errors: unknown[] = [];
        const live = createLive(source, (e) => errors.push(e));
        let model: unknown = structuredClone(initial);
        let previous: string[] = [];

        for (const op of ops) {
          const paths = containers(asJson(model));
          const reuse = op.again && paths.some((p) => p.join('.') === previous.join('.'));
          const path = reuse ? previous : paths[op.at % paths.length]!;
          previous = path;
          const isArray = Array.isArray(at(model, path));
          perform(at(model, path), op, isArray);
          model = asJson(model);
          perform(at(live, path), op, isArray);
          // Reads in the same tick already show every write.
          expect(JSON.parse(JSON.stringify(live))).toEqual(model);
        }
        expect(source.patches).toEqual([]);
        await afterFlush();
        expect(errors).toEqual([]);
        expect(source.patches.length).toBeLessThanOrEqual(1);
        expect(source.data).toEqual(model);
        expect(JSON.parse(JSON.stringify(live))).toEqual(model);
      }),
      { numRuns: 1000 },
    );
  });
});
