import { compareStamps } from '../clock/hlc.js';
import { ProtocolError } from '../errors.js';

/** Who wrote last, and when: the order the timestamp rule compares by. */
export interface Stamp {
  readonly ts: number;
  readonly peer: string;
}

/** The JSON form of a stamp table: `[path, ts, peer]` for every path written. */
export type StampEntries = Array<[path: string, ts: number, peer: string]>;

interface StampNode {
  /** Newest write exactly at this path. */
  own: Stamp | undefined;
  /** Newest write at this path or anywhere below it. */
  newest: Stamp | undefined;
  children: Map<string, StampNode> | undefined;
}

function newer(a: Stamp | undefined, ts: number, peer: string): boolean {
  return a !== undefined && compareStamps(a.ts, a.peer, ts, peer) > 0;
}

function max(a: Stamp | undefined, b: Stamp): Stamp {
  return a === undefined || compareStamps(b.ts, b.peer, a.ts, a.peer) > 0 ? b : a;
}

/** Prunes `node`'s subtree in place; returns its newest stamp left (undefined: all gone). */
function pruneBelow(node: StampNode, horizon: number): Stamp | undefined {
  if (node.own !== undefined && node.own.ts < horizon) node.own = undefined;
  let newest = node.own;
  if (node.children !== undefined) {
    for (const [segment, child] of node.children) {
      const kept = child.newest !== undefined && child.newest.ts >= horizon ? pruneBelow(child, horizon) : undefined;
      if (kept === undefined) node.children.delete(segment);
      else newest = max(newest, kept);
    }
    if (node.children.size === 0) node.children = undefined;
  }
  node.newest = newest;
  return newest;
}

function emptyNode(): StampNode {
  return { own: undefined, newest: undefined, children: undefined };
}

/**
 * The per-path timestamp table behind last-writer-wins: a trie over path segments that
 * keeps, per path, the newest `(ts, peer)` written exactly there and the newest anywhere
 * below it, so an overlap test costs one walk down the path.
 */
export class StampTable {
  readonly #root: StampNode = emptyNode();

  /**
   * Whether the path `segments[0..length)`, an ancestor of it, or a descendant of it was
   * written by a patch newer than `(ts, peer)`.
   */
  hasNewerOverlap(segments: readonly string[], length: number, ts: number, peer: string): boolean {
    let node = this.#root;
    for (let i = 0; i < length; i++) {
      const child = node.children?.get(segments[i]!);
      if (child === undefined) return false;
      node = child;
      // An ancestor replaced (or removed) everything below it, this path included.
      if (i < length - 1 && newer(node.own, ts, peer)) return true;
    }
    return newer(node.newest, ts, peer);
  }

  /** Records a write of `segments[0..length)` stamped `stamp`. */
  record(segments: readonly string[], length: number, stamp: Stamp): void {
    let node = this.#root;
    for (let i = 0; i < length; i++) {
      node.children ??= new Map();
      let child = node.children.get(segments[i]!);
      if (child === undefined) {
        child = emptyNode();
        node.children.set(segments[i]!, child);
      }
      node = child;
      node.newest = max(node.newest, stamp);
    }
    node.own = max(node.own, stamp);
  }

  /**
   * Forgets every write stamped before `horizon`: the table then holds only paths written
   * since, so it stays bounded by recent activity instead of growing with every path ever
   * written. The caller refuses absolute writes older than the horizon (they could be stale
   * against a forgotten stamp); for any newer write the verdict is unchanged, since a
   * forgotten stamp is older than it.
   */
  prune(horizon: number): void {
    pruneBelow(this.#root, horizon);
  }

  /** Plain JSON for snapshots. */
  toJSON(): StampEntries {
    const entries: StampEntries = [];
    const visit = (node: StampNode, path: string): void => {
      if (node.own !== undefined) entries.push([path, node.own.ts, node.own.peer]);
      if (node.children === undefined) return;
      for (const [segment, child] of node.children)
        visit(child, path === '' ? segment : `${path}.${segment}`);
    };
    visit(this.#root, '');
    return entries;
  }

  /**
   * Rebuilds a table from {@link StampTable.toJSON} output.
   * @throws ProtocolError `ERR_PROTOCOL` when `entries` is malformed (it comes from a peer).
   */
  static fromJSON(entries: unknown): StampTable {
    if (!Array.isArray(entries))
      throw new ProtocolError('ERR_PROTOCOL', 'snapshot stamps must be an array');
    const table = new StampTable();
    for (const entry of entries) {
      if (!Array.isArray(entry) || entry.length !== 3) {
        throw new ProtocolError('ERR_PROTOCOL', 'a snapshot stamp must be [path, ts, peer]');
      }
      const [path, ts, peer] = entry as unknown[];
      if (
        typeof path !== 'string' ||
        path.length === 0 ||
        typeof peer !== 'string' ||
        typeof ts !== 'number' ||
        !Number.isSafeInteger(ts) ||
        ts < 0
      ) {
        throw new ProtocolError('ERR_PROTOCOL', 'a snapshot stamp must be [path, ts, peer]');
      }
      const segments = path.split('.');
      if (segments.some((s) => s.length === 0)) {
        throw new ProtocolError(
          'ERR_PROTOCOL',
          `snapshot stamp path '${path.slice(0, 80)}' is malformed`,
        );
      }
      table.record(segments, segments.length, { ts, peer });
    }
    return table;
  }
}
