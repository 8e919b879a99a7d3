import { crc32 } from 'node:zlib';

/**
 * JSON encoding in slices of the event loop. A compaction snapshot of a 10 MB document cost
 * the host one synchronous `JSON.stringify` (~0.15-1.6 s here, load-dependent) during
 * which nothing was ordered. The replica's state is immutable (a change makes a new root),
 * so the snapshot taken at version v can be walked across many ticks while ordering goes
 * on: this walks it with an explicit stack, hands small subtrees to the native
 * `JSON.stringify` whole, and yields whenever a slice has run `sliceMs`.
 *
 * The text is byte for byte what `JSON.stringify(value)` gives for JSON data (plain objects,
 * arrays, strings, finite numbers, booleans, null; `undefined` members skipped as it does).
 */

/** A subtree of at most this many nodes goes to JSON.stringify in one call. */
const SMALL_NODES = 64;
/** Text gathered before it is converted to UTF-8 and checksummed. */
const PIECE_CHARS = 64 * 1024;
/** Nodes walked between two looks at the clock. */
const CLOCK_EVERY = 32;

interface Frame {
  array: readonly unknown[] | undefined;
  object: Record<string, unknown> | undefined;
  keys: string[];
  next: number;
  /** Members written so far (for commas: skipped `undefined` members write none). */
  written: number;
}

export interface SlicedEncoding {
  /** The UTF-8 JSON, in pieces (concatenate them for the whole text). */
  pieces: Buffer[];
  bytes: number;
  /** crc32 of the whole UTF-8 text. */
  crc: number;
  /** The longest the encoding held the event loop in one go, in ms. */
  longestSliceMs: number;
}

const yieldTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Whether `value` has at most `budget` nodes, counting without going further than that. */
function smallerThan(value: unknown, budget: { left: number }): boolean {
  if (--budget.left < 0) return false;
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (!smallerThan(item, budget)) return false;
    return true;
  }
  for (const key in value) if (!smallerThan((value as Record<string, unknown>)[key], budget)) return false;
  return true;
}

const isContainer = (value: unknown): value is object => typeof value === 'object' && value !== null;

/** Encodes `value` as JSON (see the module comment), yielding every `sliceMs` of work. */
export async function encodeJsonInSlices(value: unknown, sliceMs = 4): Promise<SlicedEncoding> {
  const pieces: Buffer[] = [];
  let text = '';
  let crc = 0;
  let bytes = 0;
  const cut = (): void => {
    if (text.length === 0) return;
    const piece = Buffer.from(text, 'utf8');
    crc = crc32(piece, crc);
    bytes += piece.length;
    pieces.push(piece);
    text = '';
  };
  const stack: Frame[] = [];
  /** Writes a value, or opens a frame for a large container (its members come later). */
  const open = (item: unknown): void => {
    if (!isContainer(item) || smallerThan(item, { left: SMALL_NODES })) {
      text += JSON.stringify(item) ?? 'null';
    } else if (Array.isArray(item)) {
      text += '[';
      stack.push({ array: item, object: undefined, keys: [], next: 0, written: 0 });
    } else {
      text += '{';
      const object = item as Record<string, unknown>;
      stack.push({ array: undefined, object, keys: Object.keys(object), next: 0, written: 0 });
    }
  };

  let longest = 0;
  let sliceStart = performance.now();
  let steps = 0;
  open(value);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (frame.array) {
      if (frame.next === frame.array.length) {
        text += ']';
        stack.pop();
      } else {
        if (frame.next > 0) text += ',';
        const item = frame.array[frame.next++];
        // JSON.stringify writes null for a member it cannot encode.
        open(item === undefined ? null : item);
      }
    } else if (frame.next === frame.keys.length) {
      text += '}';
      stack.pop();
    } else {
      const key = frame.keys[frame.next++]!;
      const item = frame.object![key];
      if (item !== undefined) {
        text += `${frame.written++ > 0 ? ',' : ''}${JSON.stringify(key)}:`;
        open(item);
      }
    }
    if (text.length >= PIECE_CHARS) cut();
    if (++steps % CLOCK_EVERY === 0) {
      const now = performance.now();
      if (now - sliceStart >= sliceMs) {
        longest = Math.max(longest, now - sliceStart);
        await yieldTurn();
        sliceStart = performance.now();
      }
    }
  }
  cut();
  longest = Math.max(longest, performance.now() - sliceStart);
  return { pieces, bytes, crc: crc >>> 0, longestSliceMs: longest };
}
