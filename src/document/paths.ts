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
  readonly #root: TrieNode = { terminal: false, children: undefined };

  /** @returns false when `segments[0..length)` overlaps a path already added. */
  add(segments: readonly string[], length = segments.length): boolean {
    let node = this.#root;
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
