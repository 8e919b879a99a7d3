import { MemSyncError } from '../errors.js';
import type { JsonObject, JsonValue } from '../types.js';
import type { ElementMatcher } from './conditions.js';
import { RESERVED_KEYS } from './json.js';
import { type Container, copyArray, type Leaf } from './leaf.js';
import type { LeafCheck, OperatorSpec } from './operators.js';
import { filterIdentifier, isPositional } from './paths.js';
import { isDraft, isWideRoot, openDraft, ownValue, sealDraft, WIDE_ROOT_KEYS, wideRoot } from './wide-root.js';
import { freezeFresh } from './freeze.js';

/** A write past the end of an array pads it with nulls; this far and no further. */
const MAX_ARRAY_GAP = 10_000;

/** Containers a patch owns before their lookup moves from a list to a Set. */
const MAX_LISTED_OWNED = 16;

/** A canonical array index: what mingo's walk treats as one without leaving a stray key. */
const ARRAY_INDEX = /^(?:0|[1-9][0-9]{0,8})$/;

/** One path an operator is about to write, as the copy-on-write preparation needs it. */
export interface WriteTarget {
  readonly op: string;
  readonly path: string;
  readonly segments: readonly string[];
  /** Segments before the first positional one: where the timestamp rule records the write. */
  readonly fixedLength: number;
  /** Index of the last positional segment, or -1. */
  readonly lastPositional: number;
  /** An absolute write: subject to the timestamp rule. */
  readonly absolute: boolean;
  /** Missing objects along the path are created (and a null or a scalar there refused). */
  readonly builds: boolean;
  readonly checkLeaf: LeafCheck | undefined;
  readonly arg: JsonValue;
  readonly spec: OperatorSpec;
}

/** An object below the root that a patch owns (see CopyOnWrite's `#nested`). */
export interface NestedNode {
  readonly holder: Container;
  readonly key: string | number;
  readonly node: JsonObject;
  /** A draft of a chunked object (else a plain copy). */
  readonly draft: boolean;
}

export function patchFailed(message: string): MemSyncError {
  return new MemSyncError('ERR_PATCH_FAILED', message);
}

/** How MongoDB names the element it cannot descend into: `{a: null}`. */
function element(key: string | number, value: JsonValue): string {
  const shown = value === null ? 'null' : typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : String(value);
  return `{${key}: ${shown}}`;
}

function own(holder: Container, key: string | number): JsonValue | undefined {
  if (Array.isArray(holder)) return typeof key === 'number' ? holder[key] : undefined;
  // A draft is asked directly (ownValue): `Object.hasOwn` on its Proxy makes a descriptor.
  return ownValue(holder, typeof key === 'string' ? key : String(key));
}

function set(holder: Container, key: string | number, value: JsonValue): void {
  (holder as Record<string | number, JsonValue>)[key] = value;
}

/**
 * What a batch of patches shares (batch.ts): containers made during the batch are owned by
 * every later patch of it too, and written in place instead of copied again.
 */
export interface SharedOwnership {
  readonly owned: Set<Container>;
  readonly nested: NestedNode[];
  /** Some patch of the batch may have created a top-level key. */
  rootGrows: boolean;
  /** Drafts of chunked objects below the root among `nested`. */
  drafts: number;
}

/** Whether `node` has `count` keys or more (counted no further than that). */
function hasKeys(node: JsonObject, count: number): boolean {
  let n = 0;
  if (n >= count) return true;
  for (const _ in node) if (++n >= count) return true;
  return false;
}

/**
 * Prepares a new root for one patch: the root and every container along each written
 * path are shallow copies owned by the patch, and the operators write only into those. The
 * old root is never changed: a patch that throws half-way is discarded whole, and values
 * already handed out never change under their holder.
 *
 * It refuses, before any operator runs, what MongoDB refuses about the path: a field created
 * in a null, a scalar or an array, `$[]` over a missing path or a non-array, `$inc` on a
 * string. It returns the leaves each write reaches (one per matched element for `$[]`).
 */
export class CopyOnWrite {
  readonly root: JsonObject;
  /**
   * Containers made for this patch. An array, not a Set: a patch owns a handful of them (the
   * root and the path down to each write), and this object is made for every patch applied
   * on every replica, where a Set's hash table was a large share of the garbage. A patch
   * that owns many (`$[]` over a long array) switches to a Set, so lookups stay O(1).
   */
  #owned: Container[] | Set<Container> = [];
  /** Arrays owned by the patch, with their length when copied (made when the first comes). */
  #arrays: Array<{ array: JsonValue[]; length: number }> | undefined;
  readonly #matches: ElementMatcher;
  /** Leaves reached by the write being prepared. */
  #leaves: Leaf[] = [];
  /** A write may create a top-level key. */
  #rootGrows = false;
  /** Objects with this many keys or more are kept in chunks (wide-root.ts). */
  readonly #wideKeys: number;
  /**
   * Objects below the root that this patch owns, in the order they were reached (a parent
   * before its children): drafts of chunked objects, and plain copies that may have become
   * wide. Sealed children first, each put back where its holder keeps it.
   */
  #nested: NestedNode[] | undefined;

  /** In a batch: where this patch's own entries in the shared `#nested` begin. */
  #nestedFrom = 0;
  /** Set when this patch is one of a batch: what the batch owns, shared (see SharedOwnership). */
  readonly #batch: SharedOwnership | undefined;

  /**
   * @param batch - Containers owned by earlier patches of the same batch: `base` and anything
   *   in it made by the batch are written in place. Then {@link seal} leaves the root unsealed
   *   and {@link sealOwned} seals the batch's root once, after its last patch.
   */
  constructor(base: JsonObject, matches: ElementMatcher, wideKeys = WIDE_ROOT_KEYS, batch?: SharedOwnership) {
    this.#matches = matches;
    this.#wideKeys = wideKeys;
    this.#batch = batch;
    if (batch !== undefined) {
      this.#owned = batch.owned;
      this.#nested = batch.nested;
      this.#nestedFrom = batch.nested.length;
      if (batch.owned.has(base)) {
        this.root = base;
        return;
      }
    }
    // A replica's root shares its chunks (wide-root.ts): a draft copies only what is written.
    this.root = isWideRoot(base) ? this.#fresh(openDraft(base)) : (this.#own(base) as JsonObject);
  }

  /**
   * The new root, frozen: called once, after every write of the patch. In a batch, the root
   * as written, still the batch's (sealed by {@link sealOwned} after the batch's last patch).
   */
  seal(): JsonObject {
    this.#fillHoles();
    if (this.#batch !== undefined) {
      // What sealing this patch alone would refuse (sealOwned), refused the same way here.
      const nested = this.#nested!;
      for (let i = this.#nestedFrom; i < nested.length; i++) {
        const { holder, key, node, draft } = nested[i]!;
        if ((draft || hasKeys(node, this.#wideKeys)) && own(holder, key) !== node) throw movedError();
      }
      if (this.#rootGrows) this.#batch.rootGrows = true;
      return this.root;
    }
    return sealOwned(this.root, this.#nested, this.#rootGrows, this.#wideKeys, false);
  }

  /**
   * Copies what `target` will write through and returns the leaves it reaches.
   * @throws MemSyncError `ERR_PATCH_FAILED` if the path cannot be written in this state.
   */
  prepare(target: WriteTarget): Leaf[] {
    this.#leaves = [];
    this.#step(this.root, target, 0);
    return this.#leaves;
  }

  /** A leaf the write reaches. In a batch, an array holding it may be one an earlier patch made: its holes are filled at {@link seal} too. */
  #leaf(leaf: Leaf): void {
    if (this.#batch !== undefined && Array.isArray(leaf.holder)) (this.#arrays ??= []).push({ array: leaf.holder, length: leaf.holder.length });
    this.#leaves.push(leaf);
  }

  /** JSON has no holes: a write past the end of an array leaves nulls before it, as MongoDB does. */
  #fillHoles(): void {
    if (this.#arrays === undefined) return;
    for (const { array, length } of this.#arrays) {
      for (let i = length; i < array.length; i++) if (!(i in array)) array[i] = null;
    }
  }

  #own(value: Container): Container {
    const owned = this.#owned;
    if (Array.isArray(owned) ? owned.includes(value) : owned.has(value)) return value;
    return this.#fresh(Array.isArray(value) ? copyArray(value) : { ...value });
  }

  /** Registers a container made for this patch. */
  #fresh<C extends Container>(copy: C): C {
    if (Array.isArray(copy)) (this.#arrays ??= []).push({ array: copy, length: copy.length });
    const owned = this.#owned;
    if (!Array.isArray(owned)) owned.add(copy);
    else if (owned.length === 0) this.#owned = [copy]; // a literal: push would reserve 17 slots
    else if (owned.length < MAX_LISTED_OWNED) owned.push(copy);
    else this.#owned = new Set([...owned, copy]);
    return copy;
  }

  /** `node` is owned by the patch; segment `i` names children of it. */
  #step(node: Container, t: WriteTarget, i: number): void {
    const segment = t.segments[i]!;
    if (isPositional(segment)) {
      // The caller checked that node is an array.
      const array = node as JsonValue[];
      const id = filterIdentifier(segment);
      for (let j = 0; j < array.length; j++) {
        if (id === undefined || this.#matches(id, array[j])) this.#visit(array, j, t, i);
      }
      return;
    }
    if (RESERVED_KEYS.has(segment)) throw patchFailed(`'${t.path}': '${segment}' is reserved`);
    if (!Array.isArray(node)) {
      this.#visit(node, segment, t, i);
      return;
    }
    if (t.op === '$rename') {
      // mingo would delete the element and leave a hole; MongoDB refuses this too.
      throw patchFailed(`$rename '${t.path}': cannot rename through an array`);
    }
    if (!ARRAY_INDEX.test(segment)) {
      // mingo would set a property on the array (lost in JSON) or map over its elements.
      if (t.builds || i < t.lastPositional) {
        throw patchFailed(`${t.op} '${t.path}': cannot create field '${segment}' in an array`);
      }
      return;
    }
    const index = Number(segment);
    if (t.builds && index > node.length + MAX_ARRAY_GAP) {
      throw patchFailed(`${t.op} '${t.path}': index ${index} is too far past the end of the array`);
    }
    this.#visit(node, index, t, i);
  }

  #visit(holder: Container, key: string | number, t: WriteTarget, i: number): void {
    const child = own(holder, key);
    if (child === undefined && holder === this.root) this.#rootGrows = true;
    if (i === t.segments.length - 1) {
      const problem = t.checkLeaf?.(child, t.arg);
      if (problem !== undefined) throw patchFailed(`'${t.path}': ${problem}`);
      this.#leaf({ holder, key });
      return;
    }
    const next = t.segments[i + 1]!;
    if (isPositional(next)) {
      if (child === undefined) {
        throw patchFailed(
          `${t.op} '${t.path}': the path '${t.segments.slice(0, i + 1).join('.')}' must exist in the document in order to apply array updates`,
        );
      }
      if (!Array.isArray(child)) {
        throw patchFailed(
          `${t.op} '${t.path}': cannot apply array updates to non-array element ${element(key, child as JsonValue)}`,
        );
      }
    }
    if (child === undefined) {
      if (i < t.lastPositional) {
        throw patchFailed(
          `${t.op} '${t.path}': the path '${t.segments.slice(0, i + 1).join('.')}' must exist in the document in order to apply array updates`,
        );
      }
      // Missing: a building operator will create objects down to the leaf, when it writes
      // (so created fields land in the order writes are made); any other finds nothing.
      if (!t.builds) return;
      // #step refuses a reserved segment it walks; these it never walks, and materialize
      // would follow `__proto__` to Object.prototype and write there (an unvalidated entry).
      for (let j = i + 1; j < t.segments.length; j++) {
        if (RESERVED_KEYS.has(t.segments[j]!)) throw patchFailed(`'${t.path}': '${t.segments[j]}' is reserved`);
      }
      this.#leaf({ holder, key, missing: t.segments.slice(i + 1) });
      return;
    }
    if (child === null || typeof child !== 'object') {
      if (t.builds || i < t.lastPositional) {
        throw patchFailed(
          `${t.op} '${t.path}': cannot create field '${next}' in element ${element(key, child)}`,
        );
      }
      return;
    }
    const copy = this.#ownChild(holder, key, child);
    set(holder, key, copy);
    this.#step(copy, t, i + 1);
  }

  /** `child` of `holder`, owned by the patch: a draft of a chunked object, else a copy. */
  #ownChild(holder: Container, key: string | number, child: Container): Container {
    const owned = this.#owned;
    if (Array.isArray(owned) ? owned.includes(child) : owned.has(child)) return child;
    if (Array.isArray(child)) return this.#fresh(copyArray(child));
    const wide = isWideRoot(child);
    const node = this.#fresh(wide ? openDraft(child) : { ...child });
    if (wide && this.#batch !== undefined) this.#batch.drafts++;
    (this.#nested ??= []).push({ holder, key, node, draft: wide });
    return node;
  }
}

/** Validation refuses overlapping paths, so nothing moves an object a patch owns ($rename, $pop). */
function movedError(): MemSyncError {
  return patchFailed(`internal: an object written by this patch moved`);
}

/**
 * Seals a root written by one patch or one batch: children before parents, a draft becomes
 * its new chunked object, and a plain copy of an object that has (or now has) `wideKeys` keys
 * becomes one (its copy cost that much once; every later patch into it copies only the chunks
 * it writes). Then the root: a draft is sealed, a plain root grown past the bound becomes a
 * wide one (once: it stays so), and the rest is frozen.
 *
 * @param batch - Many patches wrote it: a later one may have replaced or removed an object an
 *   earlier one owned (then it is no longer in the state, and is skipped).
 */
export function sealOwned(
  root: JsonObject,
  nested: readonly NestedNode[] | undefined,
  rootGrows: boolean,
  wideKeys: number,
  batch: boolean,
): JsonObject {
  if (nested !== undefined) {
    for (let i = nested.length - 1; i >= 0; i--) {
      const { holder, key, node, draft } = nested[i]!;
      if (!draft && !hasKeys(node, wideKeys)) continue;
      if (own(holder, key) !== node) {
        if (batch) continue;
        throw movedError();
      }
      set(holder, key, draft ? sealDraft(node) : wideRoot(node, wideKeys));
    }
  }
  if (isDraft(root)) return sealDraft(root);
  if (rootGrows && Object.keys(root).length >= wideKeys) return wideRoot(root, wideKeys);
  freezeFresh(root);
  return root;
}
