import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ReplicaSnapshot, resolveDocumentLimits } from '../../../src/document/index.js';
import { ProtocolError } from '../../../src/errors.js';
import { SnapshotAssembler, sendSnapshot, type SnapshotSplit } from '../../../src/mesh/snapshot-stream.js';
import { type MessageOf, parseMessage } from '../../../src/protocol/messages.js';
import type { RawJson } from '../../../src/transport/framing.js';
import type { JsonObject } from '../../../src/types.js';

const limits = resolveDocumentLimits({});

/** Streams `state` with `split`, then assembles the frames as a receiver would. */
async function roundTrip(state: JsonObject, split: SnapshotSplit): Promise<ReplicaSnapshot> {
  const frames: RawJson[] = [];
  const meta = { version: 3, epoch: 1, stamps: [], seqs: [] };
  await sendSnapshot({ state, ...meta }, 1, (frame) => frames.push(frame) > 0, split);
  const assembler = new SnapshotAssembler(1_000_000, limits);
  let done: ReplicaSnapshot | undefined;
  let previous = 0;
  for (const frame of frames) {
    const part = parseMessage(JSON.parse(frame.text)) as MessageOf<'snapshot'>;
    // Progress: one total on every part, bytes growing to it and reaching it in the last.
    expect(part.total).toBe(JSON.parse(frames[0]!.text).total);
    expect(part.bytes).toBeGreaterThanOrEqual(previous);
    expect(part.bytes).toBeLessThanOrEqual(part.total!);
    if (part.last) expect(part.bytes).toBe(part.total);
    previous = part.bytes!;
    done = assembler.add(part);
  }
  if (done === undefined) throw new Error('the last frame did not complete the snapshot');
  return done;
}

/** A first snapshot part holding `entries`, checked against the schema as a receiver does. */
function firstPart(entries: unknown[]): MessageOf<'snapshot'> {
  return parseMessage({ type: 'snapshot', epoch: 1, part: 0, last: false, entries }) as MessageOf<'snapshot'>;
}

// States a replica can hold: no reserved key anywhere (those are refused, tested below).
const jsonState = fc
  .dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 6 })
  .map((state) => JSON.stringify(state))
  .filter((text) => !/"(__proto__|constructor|prototype)":/.test(text))
  .map((text) => JSON.parse(text) as JsonObject);

describe('snapshot stream', () => {
  it('gives back the same state, whichever values are sent child by child', async () => {
    await fc.assert(
      fc.asyncProperty(
        jsonState,
        fc.record({ bytes: fc.integer({ min: 1, max: 60 }), group: fc.integer({ min: 1, max: 40 }) }),
        async (state, split) => {
          const snapshot = await roundTrip(state, split);
          expect(JSON.stringify(snapshot.state)).toBe(JSON.stringify(state));
          expect(snapshot.version).toBe(3);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('sends a top-level object larger than the bound as its children, in parts', async () => {
    const users: JsonObject = {};
    for (let i = 0; i < 2000; i++) users[`u${i}`] = { name: `user ${i}`, tags: [i, i + 1] };
    const frames: RawJson[] = [];
    const state = { users, small: 1 };
    await sendSnapshot({ state, version: 1, epoch: 1, stamps: [], seqs: [] }, 1, (f) => frames.push(f) > 0, {
      bytes: 32 * 1024,
    });
    // About 70 KB of JSON over a 32 KB bound: an empty object, then its fields merged in
    // groups of a part's worth, in two parts or more.
    expect(frames.length).toBeGreaterThan(1);
    const text = frames.map((f) => f.text).join('\n');
    expect(text).toContain('["users",{}]');
    expect(text).toContain('["users",{"u0":');
    expect(text).toContain(',"merge"]');
  });

  it.each([
    ['a path into nothing', [['missing', 'x'], 1]],
    ['a path through a scalar', [['n', 'x'], 1]],
    ['a reserved key at the end', [['o', '__proto__'], { polluted: true }]],
    ['a reserved key on the way', [['o', '__proto__', 'x'], 1]],
    ['an element out of order', [['list', 1], 'b']],
    ['an index into an object', [['o', 0], 1]],
    ['a merge of an array into an object', ['o', [1], 'merge']],
    ['a merge into nothing', ['missing', { a: 1 }, 'merge']],
    ['a merge with a reserved field', ['o', JSON.parse('{"__proto__":{"polluted":true}}'), 'merge']],
  ])('refuses %s, as a protocol error', (_, entry) => {
    const assembler = new SnapshotAssembler(1_000_000, limits);
    const message = firstPart([['n', 1], ['o', {}], ['list', []], entry]);
    expect(() => assembler.add(message)).toThrow(ProtocolError);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a value that a path puts deeper than maxDepth', () => {
    const shallow = resolveDocumentLimits({ maxDepth: 3 });
    const assembler = new SnapshotAssembler(1_000_000, shallow);
    const message = firstPart([['a', {}], [['a', 'b'], {}], [['a', 'b', 'c'], { d: 1 }]]);
    expect(() => assembler.add(message)).toThrow(/maxDepth/);
  });
});

describe('snapshot stream, large containers', () => {
  it('sends a million small elements as a few merges, not a million entries', async () => {
    const state = { big: Array.from({ length: 1_000_000 }, (_, i) => i % 1000) };
    const frames: RawJson[] = [];
    const meta = { version: 1, epoch: 1, stamps: [], seqs: [] };
    await sendSnapshot({ state, ...meta }, 1, (frame) => frames.push(frame) > 0, { bytes: 1 << 20 });
    const entries = frames.reduce((sum, f) => sum + (JSON.parse(f.text) as { entries: unknown[] }).entries.length, 0);
    expect(entries).toBeLessThan(200);
    const assembler = new SnapshotAssembler(1_000, limits);
    let done: ReplicaSnapshot | undefined;
    for (const frame of frames) done = assembler.add(parseMessage(JSON.parse(frame.text)) as MessageOf<'snapshot'>);
    expect((done!.state.big as number[]).length).toBe(1_000_000);
    expect((done!.state.big as number[])[999_999]).toBe(999);
  });
});
