import { Query } from 'mingo/query';
import { QUERY_OPTIONS } from '../../../../src/document/mingo.js';
import type { JsonObject, JsonValue } from '../../../../src/types.js';

/**
 * A reference model of the update operators, written straight from the conformance cases:
 * deep-copy the document, walk each path, mutate the copy. Slow and plain on purpose, and
 * independent of src/document (its own equality, order and path walk); only queries go
 * through mingo, as they do in memsync. It takes validated updates only.
 */
export class ModelError extends Error {}

type Container = JsonObject | JsonValue[];
type Leaf = (holder: Container, key: string | number) => void;

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const INDEX = /^(?:0|[1-9][0-9]{0,8})$/;
const BUILDING = new Set(['$set', '$inc', '$mul', '$min', '$max', '$bit', '$push', '$addToSet', '$currentDate']);

function rank(v: JsonValue | undefined): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return 1;
  if (typeof v === 'string') return 2;
  if (typeof v === 'boolean') return 5;
  return Array.isArray(v) ? 4 : 3;
}

function order(a: JsonValue | undefined, b: JsonValue | undefined): number {
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  if (typeof a === 'number' || typeof a === 'boolean') return Number(a) - Number(b);
  if (typeof a === 'string') return a === b ? 0 : a < (b as string) ? -1 : 1;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (order(a[i], b[i]) !== 0) return order(a[i], b[i]);
    return a.length - b.length;
  }
  if (isObject(a) && isObject(b)) {
    const ea = Object.entries(a);
    const eb = Object.entries(b);
    for (let i = 0; i < Math.min(ea.length, eb.length); i++) {
      const [ka, va] = ea[i]!;
      const [kb, vb] = eb[i]!;
      if (rank(va) !== rank(vb)) return rank(va) - rank(vb);
      if (ka !== kb) return ka < kb ? -1 : 1;
      if (order(va, vb) !== 0) return order(va, vb);
    }
    return ea.length - eb.length;
  }
  return 0;
}

function get(holder: Container, key: string | number): JsonValue | undefined {
  return Object.hasOwn(holder, key) ? (holder as Record<string, JsonValue>)[key] : undefined;
}

function put(holder: Container, key: string | number, value: JsonValue): void {
  (holder as Record<string, JsonValue>)[key] = value;
  if (Array.isArray(holder)) for (let i = 0; i < holder.length; i++) if (!(i in holder)) holder[i] = null;
}

/** Visits every leaf `path` reaches, building what a building operator builds. */
function walk(node: Container, segments: string[], build: boolean, filters: Map<string, Query>, leaf: Leaf, at: string): void {
  const [segment, ...rest] = segments as [string, ...string[]];
  const positional = (s: string) => s === '$[]' || /^\$\[[a-z][a-zA-Z0-9]*\]$/.test(s);
  const positionalLater = rest.some(positional);
  if (positional(segment)) {
    const id = segment.slice(2, -1);
    (node as JsonValue[]).forEach((element, i) => {
      if (id !== '' && !filters.get(id)!.test({ [id]: [element] })) return;
      step(node, i);
    });
    return;
  }
  if (Array.isArray(node) && !INDEX.test(segment)) {
    if (build || positionalLater) throw new ModelError(`cannot create field '${segment}' in an array`);
    return;
  }
  step(node, Array.isArray(node) ? Number(segment) : segment);

  function step(holder: Container, key: string | number): void {
    if (rest.length === 0) return leaf(holder, key);
    let child = get(holder, key);
    if (positional(rest[0]!) && !Array.isArray(child)) throw new ModelError(`array update on a non-array at ${at}`);
    if (child === undefined) {
      if (positionalLater) throw new ModelError(`path must exist at ${at}`);
      if (!build) return;
      child = {};
      put(holder, key, child);
    }
    if (typeof child !== 'object' || child === null) {
      if (build || positionalLater) throw new ModelError(`cannot create field in a ${typeof child} at ${at}`);
      return;
    }
    walk(child, rest, build, filters, leaf, at);
  }
}

function fieldOrder(a: string, b: string): number {
  const sa = a.split('.');
  const sb = b.split('.');
  for (let i = 0; i < Math.min(sa.length, sb.length); i++) {
    const x = sa[i]!;
    const y = sb[i]!;
    if (x === y) continue;
    if (/^\d+$/.test(x) && /^\d+$/.test(y) && x.length !== y.length) return x.length - y.length;
    return x < y ? -1 : 1;
  }
  return sa.length - sb.length;
}

function arrayAt(holder: Container, key: string | number, op: string): JsonValue[] | undefined {
  const found = get(holder, key);
  if (found !== undefined && !Array.isArray(found)) throw new ModelError(`${op} on a non-array`);
  return found;
}

function numberAt(holder: Container, key: string | number, op: string): number | undefined {
  const found = get(holder, key);
  if (found !== undefined && typeof found !== 'number') throw new ModelError(`${op} on a non-number`);
  return found;
}

function pullTest(arg: JsonValue): (v: JsonValue) => boolean {
  if (!isObject(arg)) return (v) => same(v, arg);
  if (Object.keys(arg).some((k) => k.startsWith('$') && !['$and', '$or', '$nor', '$expr'].includes(k))) {
    const q = new Query({ v: arg }, QUERY_OPTIONS);
    return (v) => q.test({ v });
  }
  const q = new Query(arg, QUERY_OPTIONS);
  return (v) => isObject(v) && q.test(v);
}

function bit(n: number, spec: JsonObject): number {
  const [op, operand] = Object.entries(spec)[0] as [string, number];
  if (!Number.isSafeInteger(n)) throw new ModelError('$bit on a non-integer');
  const r = Number(op === 'and' ? BigInt(n) & BigInt(operand) : op === 'or' ? BigInt(n) | BigInt(operand) : BigInt(n) ^ BigInt(operand));
  if (!Number.isSafeInteger(r)) throw new ModelError('$bit result out of range');
  return r;
}

function apply(op: string, arg: JsonValue, holder: Container, key: string | number): void {
  const found = get(holder, key);
  const each = (v: JsonValue): JsonValue[] => (isObject(v) && Array.isArray(v.$each) ? v.$each : [v]);
  switch (op) {
    case '$set':
      return put(holder, key, arg);
    case '$unset':
      if (Array.isArray(holder)) { if (typeof key === 'number' && key < holder.length) holder[key] = null; }
      else delete holder[key];
      return;
    case '$inc': case '$mul': {
      const n = numberAt(holder, key, op);
      const r = op === '$inc' ? (n ?? 0) + (arg as number) : n === undefined ? 0 : n * (arg as number);
      if (!Number.isFinite(r)) throw new ModelError('out of range');
      return put(holder, key, r);
    }
    case '$min': case '$max':
      if (found === undefined || (op === '$min' ? order(arg, found) < 0 : order(arg, found) > 0)) put(holder, key, arg);
      return;
    case '$bit':
      if (found !== undefined && (typeof found !== 'number' || !Number.isInteger(found))) throw new ModelError('$bit on a non-integer');
      return put(holder, key, bit((found as number | undefined) ?? 0, arg as JsonObject));
    case '$push': {
      const list = [...(arrayAt(holder, key, op) ?? [])];
      const spec = isObject(arg) && Array.isArray(arg.$each) ? arg : undefined;
      if (!spec) return put(holder, key, [...list, arg]);
      const p = spec.$position as number | undefined;
      const at = p === undefined ? list.length : p < 0 ? Math.max(0, list.length + p) : Math.min(p, list.length);
      list.splice(at, 0, ...(spec.$each as JsonValue[]));
      if (spec.$sort !== undefined) {
        const s = spec.$sort;
        const keyOf = (v: JsonValue): JsonValue | undefined => {
          if (typeof s === 'number') return v;
          let node: JsonValue | undefined = v;
          for (const part of Object.keys(s as JsonObject)[0]!.split('.')) node = isObject(node) ? node[part] : undefined;
          return node;
        };
        const dir = typeof s === 'number' ? s : (Object.values(s as JsonObject)[0] as number);
        list.sort((a, b) => dir * order(keyOf(a), keyOf(b)));
      }
      const slice = spec.$slice as number | undefined;
      return put(holder, key, slice === undefined ? list : slice >= 0 ? list.slice(0, slice) : list.slice(Math.max(0, list.length + slice)));
    }
    case '$addToSet': {
      const list = [...(arrayAt(holder, key, op) ?? [])];
      for (const v of each(arg)) if (!list.some((e) => same(e, v))) list.push(v);
      return put(holder, key, list);
    }
    case '$pop': {
      const list = arrayAt(holder, key, op);
      if (list !== undefined) put(holder, key, arg === 1 ? list.slice(0, -1) : list.slice(1));
      return;
    }
    case '$pull': {
      const list = arrayAt(holder, key, op);
      const test = pullTest(arg);
      if (list !== undefined) put(holder, key, list.filter((v) => !test(v)));
      return;
    }
    case '$pullAll': {
      const list = arrayAt(holder, key, op);
      if (list !== undefined) put(holder, key, list.filter((v) => !(arg as JsonValue[]).some((x) => same(v, x))));
      return;
    }
    default:
      throw new Error(`the model has no ${op}`);
  }
}

/** The document after `update`, or a ModelError when MongoDB would refuse it for this document. */
export function modelApply(doc: JsonObject, update: Record<string, Record<string, JsonValue>>, arrayFilters: JsonObject[] = [], at = 0): JsonObject {
  const root = JSON.parse(JSON.stringify(doc)) as JsonObject;
  const filters = new Map<string, Query>();
  for (const f of arrayFilters) filters.set(Object.keys(f)[0]!.split('.')[0]!, new Query(f, QUERY_OPTIONS));
  const writes: { op: string; path: string; arg: JsonValue }[] = [];
  for (const [op, args] of Object.entries(update)) {
    for (const [path, arg] of Object.entries(args)) {
      if (op === '$currentDate') {
        const ts = isObject(arg) && arg.$type === 'timestamp';
        writes.push({ op: '$set', path, arg: ts ? at : new Date(at).toISOString() });
      } else writes.push({ op, path, arg });
    }
  }
  writes.sort((a, b) => fieldOrder(a.path, b.path));
  for (const { op, path, arg } of writes) {
    if (op === '$rename') {
      // The source: an object path; an array anywhere along it is refused.
      let holder: JsonValue | undefined = root;
      const source = path.split('.');
      for (const s of source.slice(0, -1)) {
        if (Array.isArray(holder)) throw new ModelError('rename through an array');
        holder = isObject(holder) ? holder[s] : undefined;
      }
      if (Array.isArray(holder)) throw new ModelError('rename through an array');
      const from = isObject(holder) ? holder : undefined;
      const value = from === undefined ? undefined : get(from, source[source.length - 1]!);
      const target = (arg as string).split('.');
      // The target's path must be creatable even when there is nothing to move.
      let node: JsonValue | undefined = root;
      for (const s of target.slice(0, -1)) {
        if (Array.isArray(node)) throw new ModelError('rename through an array');
        if (node === undefined) break;
        if (!isObject(node)) throw new ModelError('cannot create field');
        node = node[s];
      }
      if (Array.isArray(node)) throw new ModelError('rename through an array');
      if (node !== undefined && !isObject(node)) throw new ModelError('cannot create field');
      if (value === undefined || from === undefined) continue;
      delete from[source[source.length - 1]!];
      walk(root, target, true, filters, (h, k) => put(h, k, value), arg as string);
      continue;
    }
    walk(root, path.split('.'), BUILDING.has(op), filters, (h, k) => apply(op, arg, h, k), path);
  }
  return root;
}
