import { IndexSet } from './index-set.js';
import type { Chunk } from './wide-chunks.js';

/**
 * The chunks of a chunked object (wide-chunks.ts), in pages of {@link PAGE_CHUNKS}: a write
 * copies the list of pages and one page, not the list of every chunk.
 *
 * Why: each write of a chunked root makes a new root, and every replica of a mesh makes one
 * per entry (and an optimistic view another). With one flat list, a 10,000-key document
 * copied its 313 chunk pointers per root (2.5 KB, most of what a write allocated): now 10
 * pages and one page of 32. Reading a key costs one more array index.
 *
 * Never written once a root holds it: a draft writes through {@link DraftPages}.
 */
export const PAGE_BITS = 5;
export const PAGE_CHUNKS = 1 << PAGE_BITS;
const PAGE_MASK = PAGE_CHUNKS - 1;

export class ChunkPages {
  constructor(
    /** Every page full ({@link PAGE_CHUNKS} chunks) but the last. */
    readonly pages: readonly (readonly Chunk[])[],
    /** Chunks in all. */
    readonly length: number,
  ) {}

  static of(chunks: readonly Chunk[]): ChunkPages {
    const pages: Chunk[][] = [];
    for (let i = 0; i < chunks.length; i += PAGE_CHUNKS) pages.push(chunks.slice(i, i + PAGE_CHUNKS));
    return new ChunkPages(pages, chunks.length);
  }

  at(index: number): Chunk | undefined {
    return this.pages[index >>> PAGE_BITS]?.[index & PAGE_MASK];
  }

  /** These pages with chunk `index` (one they hold) replaced: the page list and one page copied. */
  with(index: number, chunk: Chunk): ChunkPages {
    const pages = this.pages.slice();
    const page = pages[index >>> PAGE_BITS]!.slice();
    page[index & PAGE_MASK] = chunk;
    pages[index >>> PAGE_BITS] = page;
    return new ChunkPages(pages, this.length);
  }

  /** Every chunk, in order (tests, and packing afresh). */
  flat(): Chunk[] {
    return this.pages.flat();
  }
}

/** The pages of a root being written (RootDraft, withValuesFrom): pages copied when first written. */
export class DraftPages {
  readonly pages: (readonly Chunk[])[];
  length: number;
  /** Pages copied for this draft. */
  readonly #owned = new IndexSet();

  constructor(base: ChunkPages) {
    this.pages = base.pages.slice();
    this.length = base.length;
  }

  at(index: number): Chunk | undefined {
    return this.pages[index >>> PAGE_BITS]?.[index & PAGE_MASK];
  }

  /** Puts `chunk` at `index`, one of the chunks held or the next one after them. */
  set(index: number, chunk: Chunk): void {
    const p = index >>> PAGE_BITS;
    let page = this.pages[p];
    if (page === undefined) {
      this.pages.push((page = []));
      this.#owned.add(p);
    } else if (!this.#owned.has(p)) {
      this.pages[p] = page = page.slice();
      this.#owned.add(p);
    }
    (page as Chunk[])[index & PAGE_MASK] = chunk;
    if (index >= this.length) this.length = index + 1;
  }

  /** Appends `chunk`; returns its index. */
  push(chunk: Chunk): number {
    const index = this.length;
    this.set(index, chunk);
    return index;
  }

  /** The pages as they are now; the draft is not written after. */
  seal(): ChunkPages {
    return new ChunkPages(this.pages, this.length);
  }
}
