import { PatchValidationError } from '../errors.js';
import { checkKey } from './json.js';
import type { DocumentLimits } from './limits.js';

/** Every element of an array: `items.$[].done`. */
const ALL_ELEMENTS = '$[]';

const FILTERED_ELEMENT = /^\$\[([a-z][a-zA-Z0-9]*)\]$/;

/** A dotted path taken apart and checked. */
export interface ParsedPath {
  readonly segments: readonly string[];
  /**
   * Segments before the first positional one: where the write is recorded for the
   * timestamp rule and what conflicts are judged on (the whole array, conservatively).
   */
  readonly fixedLength: number;
  /** Identifiers of `$[id]` segments, in order. */
  readonly identifiers: readonly string[];
}

/** The identifier of a `$[id]` segment, or undefined for any other segment. */
export function filterIdentifier(segment: string): string | undefined {
  return FILTERED_ELEMENT.exec(segment)?.[1];
}

/** `$[]` or `$[id]`. */
export function isPositional(segment: string): boolean {
  return (
    segment.charCodeAt(0) === 36 /* $ */ &&
    (segment === ALL_ELEMENTS || FILTERED_ELEMENT.test(segment))
  );
}

/** Segments before the first positional one. */
export function fixedPrefixLength(segments: readonly string[]): number {
  for (let i = 0; i < segments.length; i++) {
    if (segments[i]!.charCodeAt(0) === 36 && isPositional(segments[i]!)) return i;
  }
  return segments.length;
}

/**
 * Checks one update path. `positional: false` is for `$rename` and sort keys, whose paths
 * must name one field.
 */
export function parsePath(path: string, limits: DocumentLimits, positional = true): ParsedPath {
  // The same few paths are written again and again: remember the verdict per limits object.
  // The same limits object almost every call (one per process): its memo kept at hand, as
  // a WeakMap look-up per path was a share of a reader's work per entry.
  let memo = limits === lastLimits ? lastMemo : parsedPaths.get(limits);
  if (memo === undefined) {
    memo = new Map();
    parsedPaths.set(limits, memo);
  }
  lastLimits = limits;
  lastMemo = memo;
  const key = positional ? path : `\u0000${path}`;
  const known = memo.get(key);
  if (known !== undefined) return known;
  const parsed = parsePathUncached(path, limits, positional);
  if (memo.size >= MEMO_SIZE) memo.clear();
  memo.set(key, parsed);
  return parsed;
}

/**
 * Paths remembered per limits object (then forgotten all at once), and split paths. Above the
 * key count of the mixed scenario's document (10,000 top-level keys, an `$inc` of a random
 * one per patch, every patch checked by every replica): at 4096 most of its paths were
 * parsed again (lean.ts's memo was raised for the same reason).
 */
const MEMO_SIZE = 16_384;
const parsedPaths = new WeakMap<DocumentLimits, Map<string, ParsedPath>>();
let lastLimits: DocumentLimits | undefined;
let lastMemo: Map<string, ParsedPath> | undefined;
const splitMemo = new Map<string, readonly string[]>();

/** `path.split('.')`, remembered (bounded): callers must not change the array. */
export function splitDotted(path: string): readonly string[] {
  let segments = splitMemo.get(path);
  if (segments === undefined) {
    if (splitMemo.size >= MEMO_SIZE) splitMemo.clear();
    segments = path.split('.');
    splitMemo.set(path, segments);
  }
  return segments;
}

function parsePathUncached(path: string, limits: DocumentLimits, positional: boolean): ParsedPath {
  if (path.length === 0) throw new PatchValidationError('ERR_INVALID_PATH', 'empty path');
  const segments = path.split('.');
  if (segments.length > limits.maxDepth) {
    throw new PatchValidationError(
      'ERR_LIMIT_EXCEEDED',
      `path '${path.slice(0, 80)}' is deeper than maxDepth (${limits.maxDepth})`,
    );
  }
  const identifiers: string[] = [];
  let fixedLength = segments.length;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment.length === 0) {
      throw new PatchValidationError('ERR_INVALID_PATH', `path '${path}' has an empty segment`);
    }
    checkKey(segment, limits);
    if (segment.charCodeAt(0) !== 36) continue;
    if (segment === '$') {
      throw new PatchValidationError(
        'ERR_INVALID_PATH',
        `'${path}': the first-match positional '$' needs a query and is not supported; use '$[id]' with arrayFilters`,
      );
    }
    const identifier = filterIdentifier(segment);
    if (segment !== ALL_ELEMENTS && identifier === undefined) {
      throw new PatchValidationError(
        'ERR_INVALID_PATH',
        `'${path}': segment '${segment}' may not start with '$' (only '$[]' and '$[id]', id a lowercase-first alphanumeric)`,
      );
    }
    if (!positional) {
      throw new PatchValidationError(
        'ERR_INVALID_PATH',
        `'${path}' may not hold a positional segment`,
      );
    }
    if (i === 0) {
      throw new PatchValidationError('ERR_INVALID_PATH', `'${path}': the root is not an array`);
    }
    if (fixedLength === segments.length) fixedLength = i;
    if (identifier !== undefined) identifiers.push(identifier);
  }
  return { segments, fixedLength, identifiers };
}

interface TrieNode {
  terminal: boolean;
  children: Map<string, TrieNode> | undefined;
}

/**
 * The paths written by one patch. Two of them may not overlap (the same path, or one an
 * ancestor of the other): the result would depend on the order the operators run in,
 * and mingo refuses such patches too.
 */
export class DisjointPaths {
  #root: TrieNode | undefined;
  /**
   * Most patches write one path: the trie is only built when a second one comes. Kept as two
   * fields, not an object: every replica checks every patch it receives.
   */
  #firstSegments: readonly string[] | undefined;
  #firstLength = 0;

  /** @returns false when `segments[0..length)` overlaps a path already added. */
  add(segments: readonly string[], length = segments.length): boolean {
    if (this.#root === undefined) {
      if (this.#firstSegments === undefined) {
        this.#firstSegments = segments;
        this.#firstLength = length;
        return true;
      }
      this.#root = { terminal: false, children: undefined };
      this.#insert(this.#firstSegments, this.#firstLength);
    }
    return this.#insert(segments, length);
  }

  #insert(segments: readonly string[], length: number): boolean {
    let node = this.#root!;
    for (let i = 0; i < length; i++) {
      if (node.terminal) return false;
      node.children ??= new Map();
      let child = node.children.get(segments[i]!);
      if (child === undefined) {
        child = { terminal: false, children: undefined };
        node.children.set(segments[i]!, child);
      }
      node = child;
    }
    if (node.terminal || (node.children !== undefined && node.children.size > 0)) return false;
    node.terminal = true;
    return true;
  }
}
