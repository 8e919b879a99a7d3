import { splitPath } from '../observe/paths.js';
import type { JsonValue, Update } from '../types.js';
import { applyWrite, type Write } from './json-writes.js';

interface Entry {
  readonly path: string;
  readonly segments: readonly string[];
  readonly write: Write;
}

/**
 * The writes made through a live object in one tick, kept so that they become one valid
 * update: no two entries ever overlap (MongoDB refuses an update whose paths conflict), and
 * applying the entries in any order gives the same result as applying the writes as made.
 *
 * Rules, for a new write at path P:
 * - an entry at P or an ancestor that is a `$set` absorbs the write into its value;
 * - an entry at P or an ancestor that is an `$unset` becomes a `$set` of what the write creates;
 * - a `$push` at P absorbs a further push; any other write at or under it turns it into a
 *   `$set` of the whole array as it now reads;
 * - otherwise entries under P are dropped by a `$set`/`$unset` (last write wins), and a push
 *   over entries under P becomes a `$set` of the whole array as it now reads.
 */
export class PendingWrites {
  readonly #entries = new Map<string, Entry>();

  get isEmpty(): boolean {
    return this.#entries.size === 0;
  }

  /**
   * Records a write. `valueAt` reads the view as it is before this write (the base document
   * with every pending entry applied); it is used when a write forces an entry to become a
   * `$set` of the value it stands for.
   */
  record(
    path: string,
    write: Write,
    valueAt: (segments: readonly string[]) => JsonValue | undefined,
  ): void {
    const segments = splitPath(path);
    const holder = this.#entryAtOrAbove(segments);
    if (holder !== undefined) {
      this.#absorb(holder, segments, write, valueAt);
      return;
    }
    const below = [...this.#entries.values()].filter((entry) => entry.path.startsWith(`${path}.`));
    // A push onto an array that already has writes inside it this tick: send it whole.
    const entry: Entry =
      write.kind === 'push' && below.length > 0
        ? { path, segments, write: writeOf(applyWrite(valueAt(segments), [], write)) }
        : { path, segments, write };
    for (const replaced of below) this.#entries.delete(replaced.path);
    this.#put(entry);
  }

  /** The base document with every pending write applied; an entry that no longer fits is skipped. */
  applyTo(base: JsonValue): JsonValue {
    let view = base;
    for (const entry of this.#entries.values()) {
      try {
        // Entries have at least one segment, so nothing here removes the root.
        view = applyWrite(view, entry.segments, entry.write) ?? view;
      } catch {
        // Another writer changed the shape under this entry: the host will refuse it the
        // same way, so the view shows the document as it is.
      }
    }
    return view;
  }

  /** Empties the collection and returns it as one update (empty when nothing was written). */
  take(): Update {
    const $set: Record<string, JsonValue> = {};
    const $unset: Record<string, ''> = {};
    const $push: Record<string, JsonValue> = {};
    for (const { path, write } of this.#entries.values()) {
      if (write.kind === 'set') $set[path] = write.value;
      else if (write.kind === 'unset') $unset[path] = '';
      else $push[path] = { $each: [...write.values] };
    }
    this.#entries.clear();
    const update: Update = {};
    if (Object.keys($set).length > 0) update.$set = $set;
    if (Object.keys($unset).length > 0) update.$unset = $unset;
    if (Object.keys($push).length > 0) update.$push = $push;
    return update;
  }

  #entryAtOrAbove(segments: readonly string[]): Entry | undefined {
    let path = '';
    for (const segment of segments) {
      path = path === '' ? segment : `${path}.${segment}`;
      const entry = this.#entries.get(path);
      if (entry !== undefined) return entry;
    }
    return undefined;
  }

  #absorb(
    holder: Entry,
    segments: readonly string[],
    write: Write,
    valueAt: (segments: readonly string[]) => JsonValue | undefined,
  ): void {
    const relative = segments.slice(holder.segments.length);
    const own = holder.write;
    if (relative.length === 0 && write.kind !== 'push') {
      this.#put({ ...holder, write });
      return;
    }
    if (own.kind === 'push' && write.kind === 'push' && relative.length === 0) {
      this.#put({ ...holder, write: { kind: 'push', values: [...own.values, ...write.values] } });
      return;
    }
    // The holder becomes (or stays) a $set of its value with this write applied inside it.
    const value =
      own.kind === 'set' ? own.value : own.kind === 'unset' ? undefined : valueAt(holder.segments);
    this.#put({ ...holder, write: writeOf(applyWrite(value, relative, write)) });
  }

  #put(entry: Entry): void {
    // Delete first so the entry moves to the end: the update lists writes in the order made.
    this.#entries.delete(entry.path);
    this.#entries.set(entry.path, entry);
  }
}

/** The absolute write that leaves `value` at a path (`undefined`: nothing there). */
function writeOf(value: JsonValue | undefined): Write {
  return value === undefined ? { kind: 'unset' } : { kind: 'set', value };
}
