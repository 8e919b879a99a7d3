/**
 * The JSON part of a compact frame (`[head, bodies]`, compact.ts) read without JSON.parse when
 * it has the commonest form of all: peer ids and bodies of one operator of one path with a
 * scalar value (`{"$inc":{"k4711":1}}`), as ASCII with no escapes or whitespace.
 *
 * Why: JSON.parse gives each object the hidden class of its keys. A mixed workload writes
 * random keys of a 10,000-key document, and every replica parses every entry: V8 makes a
 * hidden class per distinct key (past ~1,500 transitions, one per object), which cost ~0.8 us
 * per entry (1.05 us against 0.27 for one key) and slowed every later look at the object.
 * Here the paths object of a path met after the first {@link SHARED_SHAPE_PATHS} is made in
 * dictionary mode instead, as validate.ts does for the copies it makes: ~0.45 us less.
 *
 * Whatever is not exactly that form (an escape, a nested value, `[update, extras]`, a
 * `__proto__` key, a malformed frame) gives undefined, and the caller parses the whole part
 * with JSON.parse as before, which also makes its errors: so this only ever accepts valid
 * JSON, and gives the value JSON.parse would (an own property per key, Object.prototype).
 */

/** A parse that is not of the form: the caller falls back to JSON.parse. */
const BAIL = -1;

/** Paths whose objects were made as `{}`: a small document's few keys share hidden classes. */
const sharedShapePaths = new Set<string>();
const SHARED_SHAPE_PATHS = 1024;

/**
 * An empty object with Object.prototype for the path `first`: `{}` for the first paths met,
 * else one in dictionary mode. Deleting a property that is not the last one added is how V8
 * is told so; `Object.create(null)` then `setPrototypeOf` (validate.ts) cost ~0.4 us more.
 */
function pathsObject(first: string): Record<string, unknown> {
  if (sharedShapePaths.has(first)) return {};
  if (sharedShapePaths.size < SHARED_SHAPE_PATHS) {
    sharedShapePaths.add(first);
    return {};
  }
  const paths: Record<string, unknown> = { d0: 0, d1: 0 };
  delete paths.d0;
  delete paths.d1;
  return paths;
}

/** The index of the `"` closing the string opened at `at`, or BAIL for any character but printable ASCII. */
function stringEnd(text: string, at: number): number {
  for (let i = at + 1; ; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) return i;
    // Control characters, `\`, non-ASCII and the end of the text (NaN): not this form.
    if (!(c >= 32 && c <= 126) || c === 92) return BAIL;
  }
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** The index past a JSON number (its grammar exactly) starting at `i`, or BAIL. */
function numberEnd(text: string, i: number): number {
  let c = text.charCodeAt(i);
  if (c === 45) c = text.charCodeAt(++i);
  if (c === 48) c = text.charCodeAt(++i);
  else if (c >= 49 && c <= 57) while (isDigit(c)) c = text.charCodeAt(++i);
  else return BAIL;
  if (c === 46) {
    if (!isDigit(text.charCodeAt(++i))) return BAIL;
    while (isDigit(text.charCodeAt(i))) i++;
    c = text.charCodeAt(i);
  }
  if (c === 101 || c === 69) {
    c = text.charCodeAt(++i);
    if (c === 43 || c === 45) c = text.charCodeAt(++i);
    if (!isDigit(c)) return BAIL;
    while (isDigit(text.charCodeAt(i))) i++;
  }
  return i;
}

/** Reads the scalar at `at` into `out.value`, returning the index past it, or BAIL. */
function scalarEnd(text: string, at: number, out: { value: unknown }): number {
  const c = text.charCodeAt(at);
  if (c === 34) {
    const end = stringEnd(text, at);
    if (end === BAIL) return BAIL;
    out.value = text.slice(at + 1, end);
    return end + 1;
  }
  if (c !== 45 && !isDigit(c)) {
    for (const [word, value] of WORDS) {
      if (text.startsWith(word, at)) {
        out.value = value;
        return at + word.length;
      }
    }
    return BAIL;
  }
  const end = numberEnd(text, at);
  if (end === BAIL) return BAIL;
  // The grammar was checked: Number gives what JSON.parse gives (-0, 1e400 as Infinity).
  out.value = Number(text.slice(at, end));
  return end;
}

const WORDS: ReadonlyArray<readonly [string, boolean | null]> = [
  ['true', true],
  ['false', false],
  ['null', null],
];

const scalar = { value: undefined as unknown };

/** `[head, bodies]` as JSON.parse would give it, or undefined when the text is not of this form. */
export function readSimpleEntries(text: string): [unknown, unknown[]] | undefined {
  if (text.charCodeAt(0) !== 91 || text.charCodeAt(1) !== 91) return undefined; // [[
  const head: string[] = [];
  let i = 2;
  if (text.charCodeAt(i) !== 93) {
    for (;;) {
      if (text.charCodeAt(i) !== 34) return undefined;
      const end = stringEnd(text, i);
      if (end === BAIL) return undefined;
      head.push(text.slice(i + 1, end));
      i = end + 1;
      const c = text.charCodeAt(i);
      if (c === 93) break;
      if (c !== 44) return undefined;
      i++;
    }
  }
  // ],[
  if (text.charCodeAt(i + 1) !== 44 || text.charCodeAt(i + 2) !== 91) return undefined;
  i += 3;
  const bodies: unknown[] = [];
  if (text.charCodeAt(i) !== 93) {
    for (;;) {
      // {"op":{"path":scalar}}
      if (text.charCodeAt(i) !== 123 || text.charCodeAt(i + 1) !== 34) return undefined;
      const opEnd = stringEnd(text, i + 1);
      if (opEnd === BAIL || text.charCodeAt(opEnd + 1) !== 58 || text.charCodeAt(opEnd + 2) !== 123 || text.charCodeAt(opEnd + 3) !== 34) return undefined;
      const pathEnd = stringEnd(text, opEnd + 3);
      if (pathEnd === BAIL || text.charCodeAt(pathEnd + 1) !== 58) return undefined;
      const end = scalarEnd(text, pathEnd + 2, scalar);
      if (end === BAIL || text.charCodeAt(end) !== 125 || text.charCodeAt(end + 1) !== 125) return undefined;
      const op = text.slice(i + 2, opEnd);
      const path = text.slice(opEnd + 4, pathEnd);
      // An own `__proto__` key cannot be made by assignment: JSON.parse's way, then.
      if (op === '__proto__' || path === '__proto__') return undefined;
      const paths = pathsObject(path);
      paths[path] = scalar.value;
      const update: Record<string, unknown> = {};
      update[op] = paths;
      bodies.push(update);
      i = end + 2;
      const c = text.charCodeAt(i);
      if (c === 93) break;
      if (c !== 44) return undefined;
      i++;
    }
  }
  if (text.charCodeAt(i + 1) !== 93 || i + 2 !== text.length) return undefined; // ]]
  return [head, bodies];
}
