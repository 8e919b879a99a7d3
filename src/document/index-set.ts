/**
 * A set of small integers (chunk or page indexes) that a copy-on-write draft has made its own.
 * Most drafts own one or two, so it is a list while it holds few (no hashing, no allocation
 * beyond the array), and a Set once it holds more.
 */
export class IndexSet {
  #items: number[] | Set<number> = [];

  has(index: number): boolean {
    const items = this.#items;
    return Array.isArray(items) ? items.includes(index) : items.has(index);
  }

  add(index: number): void {
    const items = this.#items;
    if (!Array.isArray(items)) items.add(index);
    else if (items.length < 16) items.push(index);
    else this.#items = new Set([...items, index]);
  }
}
