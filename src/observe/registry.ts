import { MemSyncError } from '../errors.js';
import type { JsonObject, JsonValue } from '../types.js';
import { getAt, splitPath, WILDCARD } from './paths.js';
import { PatternTrie } from './pattern-trie.js';
import { collectValueChanges, plainValueChange, type ValueChange } from './value-changes.js';

/** What an observer is told about one change. */
export interface Change<V = JsonValue | undefined> {
  /** The concrete path that changed: the observed pattern with its `*` segments filled in. */
  path: string;
  /** The value now at `path` (`undefined` when it was removed). Frozen. */
  value: V;
  /** The value at `path` before this change (`undefined` when it did not exist). */
  previous: V;
  /** Version of the document after the change. */
  version: number;
  /** Peer id of the writer. */
  origin: string;
  /** True when this process wrote the change. */
  local: boolean;
}

/**
 * Called once per transition in which the value at an observed path really changed. `V` is
 * the type found at the path (frozen: `DeepReadonly` of it, through `MemSync.observe`).
 */
export type ObserveCallback<V = JsonValue | undefined> = (value: V, change: Change<V>) => void;

/** Two document states and the paths that may differ between them (a superset is fine). */
export interface Transition {
  before: JsonObject;
  after: JsonObject;
  /** Dotted paths that may have changed; an ancestor of a change is enough. */
  paths: readonly string[];
}

/** Who made a transition, and the version it produced. */
export interface TransitionMeta {
  version: number;
  origin: string;
  local: boolean;
}

export interface ObserverRegistryOptions {
  /**
   * Told when an observer callback throws; the other observers still run.
   * @default reports to `console.error`
   */
  onError?: (error: unknown, pattern: string) => void;
}

interface Observer {
  readonly id: number;
  readonly pattern: string;
  readonly segments: readonly string[];
  readonly callback: ObserveCallback;
  /** The pattern holds a `*`: it is expanded per concrete path. */
  readonly wild: boolean;
  active: boolean;
  /** The notify round that last collected this observer: dedupes without a Set per round. */
  round: number;
}

const NO_SEEDS: string[][] = [];

/**
 * One transition of a batch (see {@link ObserverRegistry.prepare}): the observers it may
 * concern, in notify order, and their values before it and after it.
 */
export interface PreparedTransition {
  readonly observers: readonly Observer[];
  readonly previous: Array<JsonValue | undefined>;
  readonly values: Array<JsonValue | undefined>;
}

/** A value that cannot be written in place later: a scalar, or nothing. */
function isScalar(value: JsonValue | undefined): boolean {
  return typeof value !== 'object' || value === null;
}

/** Transition paths repeat (the same fields change again and again): split each once. */
const splitPaths = new Map<string, string[]>();
function splitCached(path: string): string[] {
  let segments = splitPaths.get(path);
  if (segments === undefined) {
    if (splitPaths.size >= 4096) splitPaths.clear();
    segments = splitPath(path);
    splitPaths.set(path, segments);
  }
  return segments;
}

/**
 * Path subscriptions fed by document transitions.
 *
 * An observer of `pattern` fires once per transition for each concrete path it matches whose
 * value really changed: the path itself written, an ancestor replaced, or a descendant
 * changed; never for a sibling, never for a write of an equal value. `*` matches one segment
 * and `''` observes the whole document. Only observers whose pattern overlaps one of the
 * transition's paths are examined, found through a trie, so notify cost follows the observers
 * that could match rather than all of them.
 *
 * A transition notified from inside a callback is queued and delivered after the current one,
 * so every observer sees transitions in the order they happened.
 *
 * @example
 * const registry = new ObserverRegistry();
 * const stop = registry.observe('users.*.name', (name, change) => console.log(change.path, name));
 * registry.notify({ before, after, paths: ['users.u1.name'] }, { version: 2, origin: 'p1', local: true });
 * stop();
 */
export class ObserverRegistry {
  readonly #trie = new PatternTrie<Observer>();
  readonly #onError: (error: unknown, pattern: string) => void;
  readonly #queue: Array<() => void> = [];
  #notifying = false;
  /** #overlappingOne's answers; cleared whenever an observer is added or removed. */
  readonly #byPath = new Map<string, readonly Observer[] | null>();
  #nextId = 1;
  #round = 0;

  constructor(options: ObserverRegistryOptions = {}) {
    this.#onError = options.onError ?? reportToConsole;
  }

  /** How many observers are subscribed. */
  get size(): number {
    return this.#trie.size;
  }

  /**
   * Subscribes `callback` to changes at `pattern`. Returns an unsubscribe function that may be
   * called any number of times, including from inside a callback.
   * @throws MemSyncError `ERR_INVALID_PATH` when a segment of the pattern is empty.
   */
  observe(pattern: string, callback: ObserveCallback): () => void {
    if (typeof callback !== 'function') {
      throw new MemSyncError('ERR_INVALID_ARGUMENT', 'observe() needs a callback function');
    }
    const segments = splitPath(pattern);
    if (segments.some((segment) => segment === '')) {
      throw new MemSyncError(
        'ERR_INVALID_PATH',
        `Invalid observe path '${pattern}': empty segment`,
      );
    }
    const observer: Observer = {
      id: this.#nextId++,
      pattern,
      segments,
      wild: segments.includes(WILDCARD),
      callback,
      active: true,
      round: 0,
    };
    this.#trie.add(observer);
    this.#byPath.clear();
    return () => {
      if (!observer.active) return;
      observer.active = false;
      this.#trie.remove(observer);
      this.#byPath.clear();
    };
  }

  /** Tells every observer whose value changed in `transition`. Never throws from a callback. */
  notify(transition: Transition, meta: TransitionMeta): void {
    if (this.#notifying) {
      this.#queue.push(() => this.#deliver(transition, meta));
      return;
    }
    this.#notifying = true;
    try {
      this.#deliver(transition, meta);
      this.#drain();
    } finally {
      this.#settled();
    }
  }

  /**
   * For a transition about to be made in place (a batch writing the same root object entry
   * after entry, replica-core.ts), where no whole state before it will be left to compare:
   * the observers overlapping `paths`, with their values in `root` now. Undefined when
   * nobody overlaps (nothing to tell); null when one needs whole states, to be told through
   * {@link notify}: a `*` pattern, or an object found at an observed path (a batch may
   * write into it later).
   */
  prepare(paths: readonly string[], root: JsonObject): PreparedTransition | null | undefined {
    if (this.#trie.size === 0) return undefined;
    const observers = paths.length === 1 ? this.#overlappingOne(paths[0]!) : this.#overlapping(paths);
    if (observers === null || observers.length === 0) return observers === null ? null : undefined;
    // Sized up front: a push onto [] reserves room for 16 values, per entry of a frame.
    const previous = new Array<JsonValue | undefined>(observers.length);
    for (let i = 0; i < observers.length; i++) {
      const value = getAt(root, observers[i]!.segments);
      if (!isScalar(value)) return null;
      previous[i] = value;
    }
    return { observers, previous, values: new Array<JsonValue | undefined>(observers.length) };
  }

  /**
   * Reads the values after the transition from `root` (the batch's, as it is now). An object
   * found there is read from `stable()` instead: a sealed, frozen root nothing writes again.
   */
  settle(prepared: PreparedTransition, root: JsonObject, stable: () => JsonObject): void {
    let from = root;
    let sealed = false;
    const { observers, values } = prepared;
    for (let i = 0; i < observers.length; i++) {
      const segments = observers[i]!.segments;
      let value = getAt(from, segments);
      if (!sealed && !isScalar(value)) {
        from = stable();
        sealed = true;
        value = getAt(from, segments);
      }
      values[i] = value;
    }
  }

  /**
   * Tells the observers of a prepared and settled transition whose value really changed, as
   * {@link notify} would have with its whole states (the same calls, in the same order).
   */
  notifyPrepared(prepared: PreparedTransition, meta: TransitionMeta): void {
    if (this.#notifying) {
      this.#queue.push(() => this.#deliverPrepared(prepared, meta));
      return;
    }
    this.#notifying = true;
    try {
      this.#deliverPrepared(prepared, meta);
      this.#drain();
    } finally {
      this.#settled();
    }
  }

  /** Observers overlapping `paths`, in notify order; null when one of them has a `*`. */
  #overlapping(paths: readonly string[]): Observer[] | null {
    const { observers, seedsByObserver } = this.#collect(paths);
    if (seedsByObserver !== undefined) return null;
    if (observers.length > 1) observers.sort((a, b) => a.id - b.id);
    return observers;
  }

  /**
   * The same for one path, remembered until an observer comes or goes: a batch asks it for
   * every entry, and entries write the same few paths again and again.
   */
  #overlappingOne(path: string): readonly Observer[] | null {
    let found = this.#byPath.get(path);
    if (found === undefined) {
      if (this.#byPath.size >= 4096) this.#byPath.clear();
      found = this.#overlapping([path]);
      this.#byPath.set(path, found);
    }
    return found;
  }

  /** Delivers what callbacks notified meanwhile (queued), in order. */
  #drain(): void {
    for (let i = 0; i < this.#queue.length; i++) this.#queue[i]!();
  }

  #settled(): void {
    if (this.#queue.length > 0) this.#queue.length = 0;
    this.#notifying = false;
  }

  #deliverPrepared({ observers, previous, values }: PreparedTransition, meta: TransitionMeta): void {
    for (let i = 0; i < observers.length; i++) {
      const observer = observers[i]!;
      if (!observer.active) continue;
      const before = previous[i];
      const value = values[i];
      // A scalar before (prepare saw to it): an equal value is the same value.
      if (before === value) continue;
      this.#fire(observer, { path: observer.pattern, previous: before, value }, meta);
    }
  }

  #deliver(transition: Transition, meta: TransitionMeta): void {
    const { before, after } = transition;
    if (before === after || this.#trie.size === 0) return;
    const { observers, seedsByObserver } = this.#collect(transition.paths);
    if (observers.length > 1) observers.sort((a, b) => a.id - b.id);
    for (const observer of observers) {
      if (!observer.active) continue;
      if (!observer.wild) {
        // No wildcard: the only value to compare is the one at the pattern itself.
        const change = plainValueChange(before, after, observer.segments, observer.pattern);
        if (change !== undefined) this.#fire(observer, change, meta);
        continue;
      }
      const changes: ValueChange[] = [];
      {
        const seen = new Set<string>();
        for (const seed of seedsByObserver?.get(observer) ?? NO_SEEDS) {
          collectValueChanges(before, after, seed, seen, changes);
        }
      }
      for (const change of changes) {
        // An earlier callback may have unsubscribed this observer.
        if (!observer.active) break;
        this.#fire(observer, change, meta);
      }
    }
  }

  /**
   * The observers whose pattern overlaps a path of the transition, each once, and for those
   * with wildcards the concrete paths to expand them from. Runs for every change on every
   * replica: the common case (no wildcard matched) makes one array and nothing else.
   */
  #collect(paths: readonly string[]): {
    observers: Observer[];
    seedsByObserver: Map<Observer, string[][]> | undefined;
  } {
    const round = ++this.#round;
    const observers: Observer[] = [];
    let seeds: Map<Observer, string[][]> | undefined;
    let seenSeeds: Set<string> | undefined;
    for (const path of paths) {
      const pathSegments = splitCached(path);
      this.#trie.forEachOverlapping(pathSegments, (observer, depth) => {
        if (observer.round !== round) {
          observer.round = round;
          observers.push(observer);
        }
        if (!observer.wild) return;
        seeds ??= new Map();
        seenSeeds ??= new Set();
        // The pattern matched the path's first `depth` segments: those bind the pattern's
        // wildcards, so only the rest of the pattern is left to expand.
        const segments = [...pathSegments.slice(0, depth), ...observer.segments.slice(depth)];
        const key = `${observer.id}:${segments.join('.')}`;
        if (seenSeeds.has(key)) return;
        seenSeeds.add(key);
        let list = seeds.get(observer);
        if (list === undefined) {
          list = [];
          seeds.set(observer, list);
        }
        list.push(segments);
      });
    }
    return { observers, seedsByObserver: seeds };
  }

  #fire(observer: Observer, change: ValueChange, meta: TransitionMeta): void {
    try {
      observer.callback(change.value, {
        path: change.path,
        value: change.value,
        previous: change.previous,
        version: meta.version,
        origin: meta.origin,
        local: meta.local,
      });
    } catch (error) {
      try {
        this.#onError(error, observer.pattern);
      } catch {
        // The error hook itself failed; there is nowhere left to report to.
      }
    }
  }
}

function reportToConsole(error: unknown, pattern: string): void {
  console.error(`memsync: observer of '${pattern}' threw`, error);
}
