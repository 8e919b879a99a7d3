import type { JsonObject, JsonValue } from '../types.js';
import { freezeFresh, READ_ONLY } from './freeze.js';
import { DraftPages } from './chunk-pages.js';
import { IndexSet } from './index-set.js';
import { keysOf, pack, RootData, RootDraft, SLOT_BITS, SLOT_MASK } from './wide-chunks.js';

/**
 * The root of a replica's state, with structural sharing: a write to one key of a
 * 10,000-key document copies one chunk of keys (its values alone when no key comes or goes)
 * and one page of the list of chunks (chunk-pages.ts), not every key.
 *
 * Why: a root is immutable (values handed out never change, a refused patch is discarded
 * whole, an optimistic view keeps the roots it computed on), so every change makes a new
 * one. A plain object as root made every patch a shallow copy of all top-level keys, on
 * the writer and on every replica: milliseconds per patch for a document keyed by id.
 *
 * The root is a read-only Proxy over {@link RootData}: keys in insertion order in slots,
 * 32 slots a chunk (wide-chunks.ts), 32 chunks a page, and an index key -> slot. Reads and
 * writes look like a plain frozen object's: `data[key]`, `Object.keys`, `JSON.stringify`,
 * spreading and `in` work; assigning, deleting or defining a property throws a TypeError in
 * strict code (as on a frozen object) and changes nothing. Values below the root are plain
 * frozen JSON, shared between roots as before.
 *
 * The index (key -> slot) is shared by a root and every root made from it, on every
 * branch (an optimistic view's layers and the replica both build on one root): it only
 * ever gains keys, and a key's slot never changes in it. So any root finds its keys where
 * they are, and a key it lacks is not in the slot its hint names (that slot is free, or
 * holds another key on another branch). A new key takes the slot after every slot used,
 * never a freed one (a plain object puts it after every key). A patch whose new key would
 * move an existing hint (a deleted key added again; the same new key added on two branches
 * in different slots) builds its root a new index and packs the keys afresh: O(keys), as
 * rare as that, or as the index holding many more hints than keys (deleted keys).
 */

const DATA = Symbol('memsync.root');
const DRAFT = Symbol('memsync.draft');
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

function descriptor(value: JsonValue, writable: boolean): PropertyDescriptor {
  return { value, writable, enumerable: true, configurable: true };
}

function fallback(key: string | symbol, receiver: unknown): unknown {
  return Reflect.get(Object.prototype, key, receiver);
}

/** The Proxy's target: what `util.inspect` looks at (it does not run the traps). */
class RootTarget {
  constructor(readonly data: RootData) {}
}
Object.defineProperty(RootTarget.prototype, INSPECT, {
  value(this: JsonObject) {
    return { ...this };
  },
});

const refuse = (): boolean => false;

const READ: ProxyHandler<RootTarget> = {
  get(target, key, receiver) {
    if (typeof key === 'string') {
      const value = target.data.get(key);
      if (value !== undefined) return value;
    } else if (key === DATA) return target.data;
    else if (key === READ_ONLY) return true;
    return fallback(key, receiver);
  },
  has(target, key) {
    return (typeof key === 'string' && target.data.get(key) !== undefined) || key in Object.prototype;
  },
  ownKeys(target) {
    return keysOf(target.data.chunks.pages);
  },
  getOwnPropertyDescriptor(target, key) {
    if (typeof key !== 'string') return undefined;
    const value = target.data.get(key);
    return value === undefined ? undefined : descriptor(value, false);
  },
  getPrototypeOf: () => Object.prototype,
  set: refuse,
  defineProperty: refuse,
  deleteProperty: refuse,
  setPrototypeOf: refuse,
  preventExtensions: refuse,
};

/** Nested in another object, it is a frozen value like any other: freezing stops at READ_ONLY. */
function rootOf(data: RootData): JsonObject {
  return new Proxy(new RootTarget(data), READ) as unknown as JsonObject;
}

/** Whether `value` is a root made here (a sealed one, not a draft). */
export function isWideRoot(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[DATA] !== undefined;
}

/**
 * What `root` (a plain object, a chunked root or a draft of one) holds at its own top-level
 * `key`, undefined when it has no such key. Asked of the storage directly: `Object.hasOwn` on
 * the Proxy runs its `getOwnPropertyDescriptor` trap, which makes a descriptor per call.
 */
export function ownValue(root: JsonObject, key: string): JsonValue | undefined {
  if (root === lastDraft.proxy) return lastDraft.draft!.get(key);
  const data = (root as unknown as Record<symbol, RootData | undefined>)[DATA];
  if (data !== undefined) return data.get(key);
  const draft = (root as unknown as Record<symbol, RootDraft | undefined>)[DRAFT];
  if (draft !== undefined) return draft.get(key);
  return Object.hasOwn(root, key) ? root[key] : undefined;
}

/**
 * `root` (sealed) with the values of the top-level `keys` taken from `source`, each key in
 * its place: a new root, or undefined when a key is missing from either. The values are
 * `source`'s, frozen already. For an optimistic view (view.ts) that takes another writer's
 * change of keys its own pending patches leave alone: no patch applied a second time, only
 * one chunk copied per key (a plain root is copied whole: it has few keys).
 */
export function withValuesFrom(root: JsonObject, source: JsonObject, keys: readonly string[]): JsonObject | undefined {
  const data = (root as unknown as Record<symbol, RootData | undefined>)[DATA];
  if (data !== undefined && keys.length === 1) {
    // Most entries change one key: no draft of the chunk list, one chunk's values copied.
    const value = ownValue(source, keys[0]!);
    return value === undefined ? undefined : withOwnValue(root, keys[0]!, value);
  }
  if (data === undefined) {
    const copy: JsonObject = { ...root };
    for (const key of keys) {
      const value = ownValue(source, key);
      if (value === undefined || !Object.hasOwn(root, key)) return undefined;
      copy[key] = value;
    }
    return Object.freeze(copy);
  }
  const chunks = new DraftPages(data.chunks);
  /** Chunks copied here. */
  const copied = new IndexSet();
  for (const key of keys) {
    const at = data.where.get(key);
    const value = ownValue(source, key);
    if (at === undefined || value === undefined) return undefined;
    const index = at >>> SLOT_BITS;
    let chunk = chunks.at(index);
    if (chunk?.keys[at & SLOT_MASK] !== key) return undefined;
    if (!copied.has(index)) {
      chunks.set(index, (chunk = chunk.copyValues()));
      copied.add(index);
    }
    chunk.values[at & SLOT_MASK] = value;
  }
  return rootOf(new RootData(chunks.seal(), data.size, data.where));
}

/**
 * `root` with its existing top-level `key` holding `value` instead (frozen by the caller): a
 * new root, or undefined when `root` is not chunked or lacks the key. One chunk's values and
 * one page of the chunk list copied, nothing else made: the lean path's commonest write (lean.ts, an
 * `$inc` of one key), which through a draft paid for a Proxy `set` with a key that differs
 * from call to call (a runtime call each time, measured ~40 % of the write) and the draft.
 */
export function withOwnValue(root: JsonObject, key: string, value: JsonValue): JsonObject | undefined {
  const data = (root as unknown as Record<symbol, RootData | undefined>)[DATA];
  if (data === undefined) return undefined;
  const at = data.where.get(key);
  if (at === undefined) return undefined;
  const index = at >>> SLOT_BITS;
  const chunk = data.chunks.at(index);
  if (chunk?.keys[at & SLOT_MASK] !== key) return undefined;
  const copy = chunk.copyValues();
  copy.values[at & SLOT_MASK] = value;
  return rootOf(new RootData(data.chunks.with(index, copy), data.size, data.where));
}

/**
 * Roots with fewer keys than this stay plain frozen objects: copying a few dozen keys costs
 * less than the chunks and the Proxy (measured: about even at 64 keys).
 */
export const WIDE_ROOT_KEYS = 65;

/**
 * The root for a plain state: frozen throughout (in place: the caller hands it over), and
 * split into chunks when it has `minKeys` keys or more. A root made here is returned as it is.
 */
export function wideRoot(state: JsonObject, minKeys = WIDE_ROOT_KEYS): JsonObject {
  if (isWideRoot(state)) return state;
  freezeFresh(state);
  if (Object.keys(state).length < minKeys) return state;
  const { chunks, where, size } = pack(Object.keys(state).map((key) => [key, state[key]!] as const));
  return rootOf(new RootData(chunks, size, where));
}

const WRITE: ProxyHandler<{ draft: RootDraft }> = {
  get(target, key, receiver) {
    if (typeof key === 'string') {
      const value = target.draft.get(key);
      if (value !== undefined) return value;
    } else if (key === DRAFT) return target.draft;
    return fallback(key, receiver);
  },
  has(target, key) {
    return (typeof key === 'string' && target.draft.get(key) !== undefined) || key in Object.prototype;
  },
  ownKeys: (target) => target.draft.keys(),
  getOwnPropertyDescriptor(target, key) {
    if (typeof key !== 'string') return undefined;
    const value = target.draft.get(key);
    return value === undefined ? undefined : descriptor(value, true);
  },
  getPrototypeOf: () => Object.prototype,
  set(target, key, value: JsonValue) {
    if (typeof key !== 'string' || value === undefined) return false;
    target.draft.set(key, value);
    return true;
  },
  deleteProperty(target, key) {
    if (typeof key !== 'string') return false;
    target.draft.delete(key);
    return true;
  },
  defineProperty(target, key, attributes) {
    if (typeof key !== 'string' || !('value' in attributes) || attributes.value === undefined) return false;
    target.draft.set(key, attributes.value as JsonValue);
    return true;
  },
  setPrototypeOf: refuse,
  preventExtensions: refuse,
};

/**
 * A writable root for one patch over the sealed root `root`, which stays as it was.
 * Operators write into it as into a plain object; {@link sealDraft} makes the new root.
 */
export function openDraft(root: JsonObject): JsonObject {
  const data = (root as unknown as Record<symbol, RootData>)[DATA]!;
  const draft = new RootDraft(data);
  const proxy = new Proxy({ draft }, WRITE) as unknown as JsonObject;
  lastDraft.proxy = proxy;
  lastDraft.draft = draft;
  return proxy;
}

/**
 * The draft opened last and its Proxy, until sealed. A batch (batch.ts) writes one draft for
 * many patches, and each look at it through the Proxy (its draft, a key's value) runs a trap:
 * known here, the look is a comparison.
 */
const lastDraft: { proxy: object | undefined; draft: RootDraft | undefined } = { proxy: undefined, draft: undefined };

function draftOf(value: unknown): RootDraft | undefined {
  if (value === lastDraft.proxy) return lastDraft.draft;
  return typeof value === 'object' && value !== null ? (value as Record<symbol, RootDraft | undefined>)[DRAFT] : undefined;
}

export function isDraft(value: unknown): boolean {
  return draftOf(value) !== undefined;
}

/**
 * Writes the top-level `key` of `root` when it is a draft (openDraft), as assigning through
 * the draft would (undefined: deletes it); false, changing nothing, when it is not one. For a
 * batch's lean writes (lean.ts): a Proxy `set` whose key differs from call to call is a
 * runtime call each time, and made a batch of one-key writes to a chunked root slower than
 * the same writes applied one by one.
 */
export function writeDraft(root: JsonObject, key: string, value: JsonValue | undefined): boolean {
  const draft = draftOf(root);
  if (draft === undefined) return false;
  if (value === undefined) draft.delete(key);
  else draft.set(key, value);
  return true;
}

/** The new root a draft wrote: its written values frozen, the draft unusable after. */
export function sealDraft(draft: JsonObject): JsonObject {
  const sealed = draftOf(draft)!.seal();
  if (draft === lastDraft.proxy) {
    lastDraft.proxy = undefined;
    lastDraft.draft = undefined;
  }
  return rootOf(sealed);
}

/**
 * The chunks of a chunked object, for tests that count what a patch copied (a chunk a new
 * object shares with the old one was not copied). Undefined for anything else.
 */
export function chunksOf(value: unknown): readonly { readonly size: number }[] | undefined {
  if (!isWideRoot(value)) return undefined;
  return (value as unknown as Record<symbol, RootData>)[DATA]!.chunks.flat();
}

/** The pages of a chunked object's chunk list (chunk-pages.ts), for tests that count what a write copied. */
export function chunkPagesOf(value: unknown): readonly object[] | undefined {
  if (!isWideRoot(value)) return undefined;
  return (value as unknown as Record<symbol, RootData>)[DATA]!.chunks.pages;
}
