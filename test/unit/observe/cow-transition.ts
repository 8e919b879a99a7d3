/**
 * Test-only copy-on-write edits of JSON documents, shaped like the document layer's output:
 * containers along the edited path are new objects, everything else keeps its identity.
 */
import type { JsonObject, JsonValue } from '../../../src/types.js';

export type Edit =
  | { kind: 'set'; segments: string[]; value: JsonValue }
  | { kind: 'unset'; segments: string[] };

const INDEX = /^(?:0|[1-9]\d*)$/;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Applies an edit copy-on-write; returns undefined when the edit cannot apply (it is skipped). */
export function applyEdit(root: JsonValue, edit: Edit): JsonValue | undefined {
  return edit.kind === 'set'
    ? setIn(root, edit.segments, edit.value)
    : unsetIn(root, edit.segments);
}

function setIn(
  node: JsonValue | undefined,
  segments: string[],
  value: JsonValue,
): JsonValue | undefined {
  if (segments.length === 0) return value;
  const [head, ...rest] = segments as [string, ...string[]];
  if (Array.isArray(node)) {
    if (!INDEX.test(head) || Number(head) > node.length) return undefined;
    const child = setIn(node[Number(head)], rest, value);
    if (child === undefined) return undefined;
    const copy = node.slice();
    copy[Number(head)] = child;
    return copy;
  }
  if (isObject(node)) {
    const child = setIn(Object.hasOwn(node, head) ? node[head] : undefined, rest, value);
    if (child === undefined) return undefined;
    return { ...node, [head]: child };
  }
  if (node === undefined) {
    const child = setIn(undefined, rest, value);
    return child === undefined ? undefined : { [head]: child };
  }
  return undefined;
}

/** Returns `node` itself when nothing is there to remove. */
function unsetIn(node: JsonValue | undefined, segments: string[]): JsonValue | undefined {
  const [head, ...rest] = segments as [string, ...string[]];
  if (Array.isArray(node)) {
    if (!INDEX.test(head) || Number(head) >= node.length) return node;
    const copy = node.slice();
    if (rest.length === 0) {
      copy[Number(head)] = null;
      return copy;
    }
    const child = unsetIn(node[Number(head)], rest);
    if (child === node[Number(head)]) return node;
    copy[Number(head)] = child as JsonValue;
    return copy;
  }
  if (isObject(node)) {
    if (!Object.hasOwn(node, head)) return node;
    if (rest.length === 0) {
      const { [head]: _removed, ...others } = node;
      return others;
    }
    const child = unsetIn(node[head], rest);
    if (child === node[head]) return node;
    return { ...node, [head]: child as JsonValue };
  }
  return node;
}

/** Every concrete path of a document, the root `''` included. */
export function allPaths(value: JsonValue | undefined, prefix = ''): string[] {
  const paths = [prefix];
  const join = (key: string) => (prefix === '' ? key : `${prefix}.${key}`);
  if (Array.isArray(value)) {
    value.forEach((child, index) => {
      paths.push(...allPaths(child, join(String(index))));
    });
  } else if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) paths.push(...allPaths(child, join(key)));
  }
  return paths;
}
