import type { JsonValue } from '../types.js';
import { ChunkPages, DraftPages } from './chunk-pages.js';
import { freezeFresh } from './freeze.js';
import { IndexSet } from './index-set.js';

/**
 * The storage under a chunked root (wide-root.ts): slots in insertion order, split into
 * chunks, an index key -> slot shared by every root made from one root, and the draft a
 * patch writes through. No Proxy here: wide-root.ts makes roots of these.
 */

export const CHUNK_KEYS = 32;
/** log2 of {@link CHUNK_KEYS}: a slot's chunk is `slot >>> SLOT_BITS`. */
export const SLOT_BITS = 5;
export const SLOT_MASK = CHUNK_KEYS - 1;

/** Rebuild the index once it holds this many more hints than live keys (deleted keys). */
const INDEX_SLACK = 1024;

/** A canonical array index: such keys come first in a plain object, in ascending order. */
const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/;
/**
 * Up to {@link CHUNK_KEYS} slots, in insertion order: `keys[i]` holds `values[i]`, a free
 * slot (a deleted key's) holds undefined in both. Two arrays rather than a Map: copying a
 * chunk for a write is two array copies (a Map copy rehashes every key: it was ~8 % of a
 * member's time in the mixed workload), and a read is one array index after the index's
 * Map. Never written once a root holds it (a draft writes its own copies).
 */
export class Chunk {
  constructor(
    readonly keys: (string | undefined)[],
    readonly values: (JsonValue | undefined)[],
    /** Live keys. */
    public size: number,
  ) {}

  copy(): Chunk {
    return new Chunk(this.keys.slice(), this.values.slice(), this.size);
  }

  /**
   * A copy whose values may be written, sharing this chunk's keys: for a write that only
   * replaces values (the keys array is never written once a root holds it; a draft that
   * adds or deletes a key owns a {@link copy}). Half the copying of {@link copy}.
   */
  copyValues(): Chunk {
    return new Chunk(this.keys, this.values.slice(), this.size);
  }
}

export class RootData {
  constructor(
    readonly chunks: ChunkPages,
    readonly size: number,
    /**
     * key -> its slot (chunk * CHUNK_KEYS + place), in every root that holds it and shares
     * this map. A root holds a key when the slot named holds that very key.
     */
    readonly where: Map<string, number>,
  ) {}

  get(key: string): JsonValue | undefined {
    const at = this.where.get(key);
    if (at === undefined) return undefined;
    const chunk = this.chunks.at(at >>> SLOT_BITS);
    if (chunk === undefined) return undefined;
    const place = at & SLOT_MASK;
    return chunk.keys[place] === key ? chunk.values[place] : undefined;
  }
}

/** Keys in a plain object's order: array indexes ascending, then the rest as inserted. */
export function keysOf(pages: readonly (readonly Chunk[])[]): string[] {
  const keys: string[] = [];
  let indexes: string[] | undefined;
  for (const page of pages) {
    for (const chunk of page) {
      for (const key of chunk.keys) {
        if (key === undefined) continue;
        const c = key.charCodeAt(0);
        if (c >= 48 && c <= 57 && ARRAY_INDEX.test(key) && Number(key) < 4_294_967_295) {
          (indexes ??= []).push(key);
        } else keys.push(key);
      }
    }
  }
  if (indexes === undefined) return keys;
  indexes.sort((a, b) => Number(a) - Number(b));
  return [...indexes, ...keys];
}

/** Chunks holding `entries` packed in order (no free slots), and their index. */
export function pack(entries: Iterable<readonly [string, JsonValue]>): { chunks: ChunkPages; where: Map<string, number>; size: number } {
  const chunks: Chunk[] = [];
  const where = new Map<string, number>();
  let chunk: Chunk | undefined;
  let size = 0;
  for (const [key, value] of entries) {
    if (chunk === undefined || chunk.keys.length >= CHUNK_KEYS) chunks.push((chunk = new Chunk([], [], 0)));
    where.set(key, ((chunks.length - 1) << SLOT_BITS) | chunk.keys.length);
    chunk.keys.push(key);
    chunk.values.push(value);
    chunk.size++;
    size++;
  }
  return { chunks: ChunkPages.of(chunks), where, size };
}

/** The live entries of `chunks`, in slot order. */
function* entriesOf(pages: readonly (readonly Chunk[])[]): Generator<[string, JsonValue]> {
  for (const page of pages) {
    for (const chunk of page) {
      for (let i = 0; i < chunk.keys.length; i++) {
        const key = chunk.keys[i];
        if (key !== undefined) yield [key, chunk.values[i]!];
      }
    }
  }
}
/** A root being written by one patch: private copies of the chunks it touches. */
export class RootDraft {
  readonly #base: RootData;
  readonly #chunks: DraftPages;
  /** Chunks copied for this draft (most patches write one or two). */
  readonly #owned = new IndexSet();
  #size: number;
  /** Keys this draft added, and their slot: the shared index changes only when sealed. */
  #added: Map<string, number> | undefined;
  /** Keys written: their values are frozen when sealed (operators build them in place). */
  #written: string[] = [];

  constructor(base: RootData) {
    this.#base = base;
    this.#chunks = new DraftPages(base.chunks);
    this.#size = base.size;
  }

  /** The slot that holds `key` here, or undefined. */
  #at(key: string): number | undefined {
    const at = this.#added?.get(key) ?? this.#base.where.get(key);
    return at !== undefined && this.#chunks.at(at >>> SLOT_BITS)?.keys[at & SLOT_MASK] === key ? at : undefined;
  }

  get(key: string): JsonValue | undefined {
    const at = this.#at(key);
    return at === undefined ? undefined : this.#chunks.at(at >>> SLOT_BITS)!.values[at & SLOT_MASK];
  }

  #own(index: number): Chunk {
    if (!this.#owned.has(index)) {
      this.#chunks.set(index, this.#chunks.at(index)!.copy());
      this.#owned.add(index);
    }
    return this.#chunks.at(index)!;
  }

  set(key: string, value: JsonValue): void {
    this.#written.push(key);
    const at = this.#at(key);
    if (at !== undefined) {
      this.#own(at >>> SLOT_BITS).values[at & SLOT_MASK] = value;
      return;
    }
    // A new key goes after every slot ever used, as a plain object puts it after every key.
    let last = this.#chunks.length - 1;
    if (last < 0 || this.#chunks.at(last)!.keys.length >= CHUNK_KEYS) {
      last = this.#chunks.push(new Chunk([], [], 0));
      this.#owned.add(last);
    }
    const chunk = this.#own(last);
    (this.#added ??= new Map()).set(key, (last << SLOT_BITS) | chunk.keys.length);
    chunk.keys.push(key);
    chunk.values.push(value);
    chunk.size++;
    this.#size++;
  }

  delete(key: string): void {
    const at = this.#at(key);
    if (at === undefined) return;
    const chunk = this.#own(at >>> SLOT_BITS);
    chunk.keys[at & SLOT_MASK] = undefined;
    chunk.values[at & SLOT_MASK] = undefined;
    chunk.size--;
    this.#size--;
  }

  keys(): string[] {
    return keysOf(this.#chunks.pages);
  }

  /** What the new root holds: its written values frozen, the draft unusable after. */
  seal(): RootData {
    for (const key of this.#written) freezeFresh(this.get(key));
    const added = this.#added;
    if (added === undefined) return new RootData(this.#chunks.seal(), this.#size, this.#base.where);
    const where = this.#base.where;
    let inPlace = where.size + added.size <= 2 * this.#size + INDEX_SLACK;
    if (inPlace) {
      for (const [key, at] of added) {
        const hint = where.get(key);
        if (hint !== undefined && hint !== at) inPlace = false;
      }
    }
    if (inPlace) {
      for (const [key, at] of added) where.set(key, at);
      return new RootData(this.#chunks.seal(), this.#size, where);
    }
    // A hint would move (or too many are stale): pack the keys afresh, with an index of their own.
    const packed = pack(entriesOf(this.#chunks.pages));
    return new RootData(packed.chunks, packed.size, packed.where);
  }
}
