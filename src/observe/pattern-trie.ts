import { WILDCARD } from './paths.js';

/** Anything stored in a {@link PatternTrie}: it only needs its pattern's segments. */
export interface PatternMember {
  readonly segments: readonly string[];
}

class TrieNode<M> {
  readonly children = new Map<string, TrieNode<M>>();
  readonly members = new Set<M>();

  constructor(
    readonly parent: TrieNode<M> | undefined,
    readonly key: string,
  ) {}

  isEmpty(): boolean {
    return this.members.size === 0 && this.children.size === 0;
  }
}

/**
 * Observe patterns organised by segment, so that finding the patterns a changed path could
 * affect costs what those patterns cost, not what every pattern costs. `*` segments are
 * stored under the key `*` and followed alongside the literal segment when walking.
 */
export class PatternTrie<M extends PatternMember> {
  readonly #root = new TrieNode<M>(undefined, '');
  #size = 0;

  /** How many members the trie holds. */
  get size(): number {
    return this.#size;
  }

  add(member: M): void {
    let node = this.#root;
    for (const segment of member.segments) {
      let child = node.children.get(segment);
      if (child === undefined) {
        child = new TrieNode(node, segment);
        node.children.set(segment, child);
      }
      node = child;
    }
    if (!node.members.has(member)) {
      node.members.add(member);
      this.#size++;
    }
  }

  /** Removes a member; returns false when it was not there. Empty branches are pruned. */
  remove(member: M): boolean {
    let node: TrieNode<M> | undefined = this.#root;
    for (const segment of member.segments) {
      node = node.children.get(segment);
      if (node === undefined) return false;
    }
    if (!node.members.delete(member)) return false;
    this.#size--;
    while (node.parent !== undefined && node.isEmpty()) {
      node.parent.children.delete(node.key);
      node = node.parent;
    }
    return true;
  }

  /**
   * Visits every member whose pattern overlaps the changed path: patterns matching the path
   * or one of its ancestors, and patterns below it. `depth` is how many segments of the path
   * the pattern was matched against (the shorter of the two lengths).
   */
  forEachOverlapping(
    pathSegments: readonly string[],
    visit: (member: M, depth: number) => void,
  ): void {
    this.#visitAlong(this.#root, pathSegments, 0, visit);
  }

  #visitAlong(
    node: TrieNode<M>,
    pathSegments: readonly string[],
    depth: number,
    visit: (member: M, depth: number) => void,
  ): void {
    if (depth === pathSegments.length) {
      this.#visitSubtree(node, depth, visit);
      return;
    }
    for (const member of node.members) visit(member, depth);
    const segment = pathSegments[depth]!;
    const exact = node.children.get(segment);
    if (exact !== undefined) this.#visitAlong(exact, pathSegments, depth + 1, visit);
    // A document key that is literally '*' was already followed as the exact child.
    if (segment !== WILDCARD) {
      const wildcard = node.children.get(WILDCARD);
      if (wildcard !== undefined) this.#visitAlong(wildcard, pathSegments, depth + 1, visit);
    }
  }

  #visitSubtree(node: TrieNode<M>, depth: number, visit: (member: M, depth: number) => void): void {
    for (const member of node.members) visit(member, depth);
    for (const child of node.children.values()) this.#visitSubtree(child, depth, visit);
  }
}
