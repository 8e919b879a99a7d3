/**
 * A host relays a member's submit bodies into its entries frames as the bytes they came in
 * (src/protocol/compact-relay.ts): the frame must decode to exactly what encoding the parsed
 * patches gives, whatever the text's spacing and escapes, and wherever the run cuts the submit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCompact } from '../../../src/protocol/compact-decode.js';
import { SUBMIT_HEADER, SUBMIT_RECORD } from '../../../src/protocol/compact-layout.js';
import { type RelayedBodies, relayedBodies } from '../../../src/protocol/compact-relay.js';
import { encodeEntries, encodeSubmit } from '../../../src/protocol/compact.js';
import type { OrderedPatch, Patch } from '../../../src/types.js';

const FRAME = 8 << 20;
const json = fc.jsonValue({ maxDepth: 3 });
const object = fc.dictionary(fc.string({ maxLength: 8 }), json, { maxKeys: 4 });
const bodies = fc.array(fc.record({ update: object, if: object, arrayFilters: fc.array(object, { maxLength: 2 }) }, { requiredKeys: ['update'] }), {
  minLength: 1,
  maxLength: 10,
});

/** What a host holds of a submit: the patches decoded from the frame body, and the body. */
function received(body: Buffer): { patches: Patch[]; body: Buffer } {
  const message = decodeCompact(body);
  if (message.type !== 'submit') throw new Error('not a submit');
  return { patches: message.patches, body };
}

function ordered(patches: readonly Patch[], first: number): OrderedPatch[] {
  return patches.map((patch, i) => ({ version: first + i, epoch: 4, patch }));
}

/** The entries frame with the submit relayed, decoded, next to the one encoded from objects. */
function bothWays(entries: OrderedPatch[], relayed: RelayedBodies): { relayed: unknown; encoded: unknown } {
  return {
    relayed: decodeCompact(encodeEntries(5, entries, false, FRAME, new Map([[relayed.patches[0]!, relayed]])).body),
    encoded: decodeCompact(encodeEntries(5, entries, false, FRAME).body),
  };
}

/** A submit frame body with `json` as its JSON part (as a client other than ours might space it). */
function submitWithText(patches: readonly Patch[], json: string): Buffer {
  const encoded = encodeSubmit(2, patches, FRAME)!.body;
  const jsonAt = SUBMIT_HEADER + patches.length * SUBMIT_RECORD;
  return Buffer.concat([encoded.subarray(0, jsonAt), Buffer.from(json, 'utf8')]);
}

describe('relayed submit bodies', () => {
  it('give the frame encoding the patches gives, whole or cut by the run, among other entries', () => {
    fc.assert(
      fc.property(bodies, fc.string({ minLength: 1, maxLength: 20 }), fc.nat(3), fc.nat(3), (fields, peer, before, cut) => {
        const submit = received(encodeSubmit(2, fields.map((f, i) => ({ peer, seq: i + 1, ts: 9, ...f }) as Patch), FRAME)!.body);
        const relayed = relayedBodies(submit.body, submit.patches);
        expect(relayed).toBeDefined();
        const own: Patch[] = Array.from({ length: before }, (_, i) => ({ peer: 'host', seq: i + 1, ts: 1, update: { $set: { k: i } } }));
        // A run that ends before the submit's last patch: the relay cannot be used, nor may it be.
        const kept = submit.patches.slice(0, Math.max(1, submit.patches.length - cut));
        const entries = ordered([...own, ...kept], 10);
        const { relayed: out, encoded } = bothWays(entries, relayed!);
        expect(out).toEqual(encoded);
        expect((out as { entries: OrderedPatch[] }).entries.map((e) => e.patch)).toEqual([...own, ...kept]);
      }),
      { numRuns: 300 },
    );
  });

  it('keep their repeats (a body 0) meaning the same write, after and before entries encoded around them', () => {
    const write = fc.constantFrom<Patch['update']>({ $inc: { n: 1 } }, { $inc: { n: 2 } }, { $set: { s: 'x' } }, { $set: { o: { a: 1 } } }, { $inc: { n: 1 }, $set: { s: 'x' } });
    const writes = fc.array(write, { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(writes, writes, writes, (fromSubmit, before, after) => {
        const submit = received(encodeSubmit(2, fromSubmit.map((update, i) => ({ peer: 'w', seq: i + 1, ts: 9, update })), FRAME)!.body);
        const relayed = relayedBodies(submit.body, submit.patches)!;
        const own = (updates: Array<Patch['update']>, from: number): Patch[] => updates.map((update, i) => ({ peer: 'host', seq: from + i, ts: 1, update }));
        const entries = ordered([...own(before, 1), ...submit.patches, ...own(after, before.length + 1)], 10);
        const { relayed: out, encoded } = bothWays(entries, relayed);
        expect(out).toEqual(encoded);
        expect((out as { entries: OrderedPatch[] }).entries.map((e) => e.patch.update)).toEqual([...before, ...fromSubmit, ...after]);
      }),
      { numRuns: 300 },
    );
  });

  it('carry text spaced and escaped as any client may send it', () => {
    const peer = 'a"b]\\,[';
    const patches: Patch[] = [
      { peer, seq: 1, ts: 3, update: { $set: { 'x]': '",[' } } },
      { peer, seq: 2, ts: 3, update: { $inc: { n: 1 } }, if: { n: { $gte: 0 } } },
    ];
    const text = ` [ ${JSON.stringify(peer)} ,\n [ {"$set" : {"x]":"\\",["}} ,\t[{"$inc":{"n":1}},{"if":{"n":{"$gte":0}}}] ] ]\r\n`;
    const submit = received(submitWithText(patches, text));
    expect(submit.patches).toEqual(patches);
    const relayed = relayedBodies(submit.body, submit.patches)!;
    expect(relayed).toBeDefined();
    const { relayed: out, encoded } = bothWays(ordered(submit.patches, 1), relayed);
    expect(out).toEqual(encoded);
  });

  it('are encoded from the objects when their spaced-out text would not fit in a frame', () => {
    const patches: Patch[] = [{ peer: 'a', seq: 1, ts: 3, update: { $inc: { n: 1 } } }];
    const submit = received(submitWithText(patches, `["a",[${' '.repeat(5000)}{"$inc":{"n":1}}]]`));
    const relayed = relayedBodies(submit.body, submit.patches)!;
    const entries = ordered(submit.patches, 1);
    const limit = encodeEntries(5, entries, false, FRAME).body.length;
    const frame = encodeEntries(5, entries, false, limit, new Map([[relayed.patches[0]!, relayed]]));
    expect(frame.body.length).toBe(limit);
    expect(decodeCompact(frame.body)).toEqual(decodeCompact(encodeEntries(5, entries, false, FRAME).body));
  });

  it('are not relayed from text of another shape', () => {
    const patches: Patch[] = [{ peer: 'a', seq: 1, ts: 3, update: { $inc: { n: 1 } } }];
    const body = submitWithText(patches, '{"a":[{"$inc":{"n":1}}]}');
    expect(relayedBodies(body, patches)).toBeUndefined();
  });
});
