/**
 * Protocol 10's compact `entries` and `submit` frames (src/protocol/compact.ts): every valid
 * message round-trips exactly (as the JSON form would carry it), and a frame that is not one
 * is refused with a ProtocolError, never accepted as anything the JSON schema would refuse.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../src/errors.js';
import { sealable } from '../../../src/mesh/entry-broadcast.js';
import { EntryLog } from '../../../src/mesh/entry-log.js';
import { encodeEntries, encodeSubmit, entryRuns } from '../../../src/protocol/compact.js';
import { parseMessage } from '../../../src/protocol/messages.js';
import { BinaryFrame } from '../../../src/transport/binary-frame.js';
import { FrameDecoder } from '../../../src/transport/framing.js';
import type { OrderedPatch, Patch } from '../../../src/types.js';

const MAX = Number.MAX_SAFE_INTEGER;
const FRAME = 8 << 20;

const peerId = fc.oneof(fc.constantFrom('writer-4f1c2a9e', 'host', 'b', '__proto__'), fc.string({ minLength: 1, maxLength: 128 }));
const json = fc.jsonValue({ maxDepth: 3 });
const object = fc.dictionary(fc.string({ maxLength: 8 }), json, { maxKeys: 4 });
const lockOp = fc.oneof(
  fc.record({ op: fc.constant('acquire' as const), name: fc.string({ minLength: 1, maxLength: 20 }), peer: peerId, rid: fc.integer({ min: 0, max: MAX }), limit: fc.integer({ min: 1, max: 1_000_000 }) }),
  fc.record({ op: fc.constant('release' as const), name: fc.string({ minLength: 1, maxLength: 20 }), peer: peerId, rid: fc.integer({ min: 0, max: MAX }) }),
  fc.record({ op: fc.constant('left' as const), peer: peerId }),
);
const key = fc.oneof(fc.constantFrom('$inc', '$set', 'n', 'a.b', '__proto__', 'constructor', ''), fc.string({ maxLength: 8 }));
/** One operator with one path: what travels as `[operator, path, value]`. Own keys, `__proto__` too. */
const onePath = fc.tuple(key, key, json).map(([op, path, value]) => ({ [op]: { [path]: value } }));
/** A patch's fields but its writer: what a body and a record carry. */
const patchFields = fc.record(
  {
    seq: fc.integer({ min: 1, max: MAX }),
    ts: fc.integer({ min: 0, max: MAX }),
    update: fc.oneof(object, onePath),
    if: object,
    arrayFilters: fc.array(object, { maxLength: 3 }),
    msg: lockOp,
  },
  { requiredKeys: ['seq', 'ts', 'update'] },
);

const entriesCase = fc.record({
  epoch: fc.integer({ min: 0, max: MAX }),
  entryEpoch: fc.integer({ min: 0, max: MAX }),
  first: fc.integer({ min: 1, max: MAX - 100 }),
  ack: fc.boolean(),
  patches: fc.array(fc.tuple(fc.constantFrom(0, 1, 2), patchFields), { minLength: 1, maxLength: 12 }),
  peers: fc.tuple(peerId, peerId, peerId),
});

function entriesOf(c: EntriesCase): OrderedPatch[] {
  return c.patches.map(([writer, fields], i) => ({
    version: c.first + i,
    epoch: c.entryEpoch,
    patch: { peer: c.peers[writer], ...fields } as Patch,
  }));
}
type EntriesCase = typeof entriesCase extends fc.Arbitrary<infer T> ? T : never;

/** Through the transport as a member's frame arrives: length prefix, decoder, then parse. */
function received(frame: BinaryFrame): unknown {
  const decoder = new FrameDecoder(FRAME);
  const { messages, error } = decoder.push(frame.framed!);
  expect(error).toBeUndefined();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toBeInstanceOf(BinaryFrame);
  return parseMessage(messages[0]);
}

/** What the JSON form of the same message decodes to: the compact form must give exactly that. */
function viaJson(message: unknown): unknown {
  return parseMessage(JSON.parse(JSON.stringify(message)));
}

/** A frame body's outcome: the message, or what was thrown. */
function outcome(body: Buffer): { message?: unknown; thrown?: unknown } {
  try {
    return { message: parseMessage(new BinaryFrame(body)) };
  } catch (thrown) {
    return { thrown };
  }
}

/**
 * A mutated frame is refused with a ProtocolError, or it is still a valid message: one the
 * JSON schema accepts too, and that decodes to the same (nothing it refuses gets through).
 */
function refusedOrValid(body: Buffer): void {
  const { message, thrown } = outcome(body);
  if (thrown !== undefined) {
    expect(thrown).toBeInstanceOf(ProtocolError);
    expect(thrown).toMatchObject({ code: 'ERR_PROTOCOL' });
    return;
  }
  expect(viaJson(message)).toEqual(message);
}

function expectRefused(body: Buffer, pattern?: RegExp): void {
  const { thrown } = outcome(body);
  expect(thrown).toBeInstanceOf(ProtocolError);
  expect(thrown).toMatchObject({ code: 'ERR_PROTOCOL' });
  if (pattern) expect((thrown as Error).message).toMatch(pattern);
}

function sampleEntries(): BinaryFrame {
  const entries: OrderedPatch[] = [1, 2, 3].map((i) => ({
    version: 10 + i,
    epoch: 5,
    patch: { peer: i === 2 ? 'b' : 'a', seq: i, ts: 1000 + i, update: { $inc: { n: i } } },
  }));
  return encodeEntries(7, entries, true, FRAME);
}

describe('compact frames round-trip', () => {
  it('entries: every valid run decodes to exactly what its JSON form does', () => {
    fc.assert(
      fc.property(entriesCase, (c) => {
        const entries = entriesOf(c);
        const frame = encodeEntries(c.epoch, entries, c.ack, FRAME);
        const plain = c.ack ? { type: 'entries', epoch: c.epoch, entries, ack: true } : { type: 'entries', epoch: c.epoch, entries };
        const decoded = received(frame);
        expect(decoded).toEqual(viaJson(plain));
        // Its JSON form, for transports that carry only JSON, is the same message.
        expect(viaJson(frame)).toEqual(decoded);
      }),
      { numRuns: 300 },
    );
  });

  it('submit: every valid batch of one writer decodes to exactly what its JSON form does', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX }), peerId, fc.array(patchFields, { minLength: 1, maxLength: 12 }), (epoch, peer, fields) => {
        const patches = fields.map((f) => ({ peer, ...f }) as Patch);
        const frame = encodeSubmit(epoch, patches, FRAME)!;
        expect(received(frame)).toEqual(viaJson({ type: 'submit', epoch, patches }));
      }),
      { numRuns: 300 },
    );
  });

  it('an update of one operator with one path travels as [operator, path, value], with its own keys as JSON gives them', () => {
    const patches: Patch[] = [
      { peer: 'w', seq: 1, ts: 1, update: { $inc: { n: 1 } } },
      { peer: 'w', seq: 2, ts: 2, update: { $set: { a: 1, b: 2 } } },
      { peer: 'w', seq: 3, ts: 3, update: { $set: { a: 1 }, $inc: { n: 1 } } },
      { peer: 'w', seq: 4, ts: 4, update: { $set: { a: 1 } }, if: { a: 0 } },
      { peer: 'w', seq: 5, ts: 5, update: JSON.parse('{"$set":{"__proto__":{"polluted":1}}}') as Patch['update'] },
      { peer: 'w', seq: 6, ts: 6, update: JSON.parse('{"__proto__":{"x":1}}') as Patch['update'] },
      { peer: 'w', seq: 7, ts: 7, update: { $set: { a: { b: [1, null] } } } },
    ];
    const frame = encodeSubmit(1, patches, FRAME)!;
    const text = frame.body.subarray(frame.body.indexOf('["w"')).toString();
    expect(text).toBe(
      '["w",[["$inc","n",1],{"$set":{"a":1,"b":2}},{"$set":{"a":1},"$inc":{"n":1}},[{"$set":{"a":1}},{"if":{"a":0}}],' +
        '["$set","__proto__",{"polluted":1}],["__proto__","x",1],["$set","a",{"b":[1,null]}]]]',
    );
    const decoded = (received(frame) as { patches: Patch[] }).patches;
    expect(decoded).toEqual(patches);
    const proto = decoded[4]!.update.$set as Record<string, unknown>;
    expect(Object.hasOwn(proto, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(Object.keys(decoded[5]!.update)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(decoded[5]!.update)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a run of the same lean write shares one update object, and nothing else does', () => {
    const updates: Array<Patch['update']> = [
      { $inc: { n: 1 } },
      { $inc: { n: 1 } },
      { $inc: { n: 1 } },
      { $inc: { n: 2 } },
      { $inc: { m: 2 } },
      { $set: { m: 2 } },
      { $set: { m: 'x' } },
      { $set: { m: 'x' } },
      { $set: { m: { deep: 1 } } },
      { $set: { m: { deep: 1 } } },
      { $set: { m: null } },
      { $set: { m: null } },
      { $set: { m: 0 } },
      { $set: { m: 0 } },
      { $set: { m: false } },
      { $inc: { n: 1 } },
    ];
    const patches: Patch[] = updates.map((update, i) => ({ peer: 'w', seq: i + 1, ts: i, update }));
    const entries: OrderedPatch[] = patches.map((patch, i) => ({ version: i + 1, epoch: 1, patch }));
    expect(encodeSubmit(1, patches.slice(0, 4), FRAME)!.body.toString('latin1')).toContain('[["$inc","n",1],0,0,["$inc","n",2]]');
    const sameAsBefore = [false, true, true, false, false, false, false, true, false, false, false, true, false, true, false, false];
    for (const decoded of [
      (received(encodeSubmit(1, patches, FRAME)!) as { patches: Patch[] }).patches,
      (received(encodeEntries(1, entries, false, FRAME)) as { entries: OrderedPatch[] }).entries.map((entry) => entry.patch),
    ]) {
      expect(decoded).toEqual(patches);
      expect(decoded.map((patch, i) => i > 0 && patch.update === decoded[i - 1]!.update)).toEqual(sameAsBefore);
    }
  });

  it('a log keeps a compact frame, received or sent, and gives back exactly its entries', () => {
    fc.assert(
      fc.property(entriesCase, fc.boolean(), (c, viaSocket) => {
        const entries = entriesOf(c);
        const sent = encodeEntries(c.epoch, entries, c.ack, FRAME);
        let frame = sent;
        let decoded = entries;
        if (viaSocket) {
          const { messages } = new FrameDecoder(FRAME).push(sent.framed!);
          frame = messages[0] as BinaryFrame;
          decoded = (parseMessage(frame) as { entries: OrderedPatch[] }).entries;
        }
        const log = new EntryLog(1000);
        for (const entry of decoded) log.append(entry);
        log.seal(c.first, c.first + entries.length - 1, sealable(frame));
        const last = c.first + entries.length - 1;
        const expected = (viaJson({ type: 'entries', epoch: c.epoch, entries }) as { entries: OrderedPatch[] }).entries;
        expect(log.after(c.first - 1, last)).toEqual(expected);
        // Held as the frame's bytes, not as the entries.
        expect(log.bytes).toBe(sent.body.length);
      }),
      { numRuns: 200 },
    );
  });

  it('entryRuns cuts a batch where versions jump or the epoch changes, and keeps every entry in order', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 2 })), { minLength: 1, maxLength: 30 }), (steps) => {
        let version = 0;
        const entries = steps.map(([step, epoch]) => {
          version += step;
          return { version, epoch, patch: { peer: 'a', seq: version, ts: 0, update: {} } };
        });
        const runs = entryRuns(entries);
        expect(runs.flat()).toEqual(entries);
        for (const run of runs) {
          run.forEach((entry, i) => expect([entry.version, entry.epoch]).toEqual([run[0]!.version + i, run[0]!.epoch]));
          // Each run is one frame.
          expect(() => encodeEntries(1, run, false, FRAME)).not.toThrow();
        }
      }),
    );
  });

  it('refuses to encode past the frame limit with ERR_LIMIT_EXCEEDED, and a submit of two writers falls back to JSON', () => {
    expect(() => sampleEntries() && encodeEntries(7, [{ version: 1, epoch: 1, patch: { peer: 'a', seq: 1, ts: 0, update: { $set: { k: 'x'.repeat(500) } } } }], false, 300)).toThrow(
      expect.objectContaining({ code: 'ERR_LIMIT_EXCEEDED' }),
    );
    expect(encodeSubmit(1, [{ peer: 'a', seq: 1, ts: 0, update: {} }, { peer: 'b', seq: 1, ts: 0, update: {} }], FRAME)).toBeUndefined();
  });
});

describe('malformed compact frames are refused', () => {
  it('any truncation, with a ProtocolError', () => {
    const { body } = sampleEntries();
    const submit = encodeSubmit(3, [{ peer: 'a', seq: 1, ts: 2, update: { $set: { a: 1 } } }], FRAME)!.body;
    for (const whole of [body, submit]) {
      for (let length = 1; length < whole.length; length++) expectRefused(whole.subarray(0, length));
    }
  });

  it('any bytes changed: refused with a ProtocolError, or still a message the JSON schema accepts', () => {
    const samples = [sampleEntries().body, encodeSubmit(3, [{ peer: 'a', seq: 1, ts: 2, update: { $set: { a: [1, 'x'] } }, if: { a: 1 } }], FRAME)!.body];
    fc.assert(
      fc.property(fc.constantFrom(...samples), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (sample, edits) => {
        const body = Buffer.from(sample);
        for (const [at, byte] of edits) body[at % body.length] = byte;
        refusedOrValid(body);
      }),
      { numRuns: 2000 },
    );
  });

  it('numbers the JSON schema refuses, in every numeric field', () => {
    const hostile = [-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 53, 1e300, -1e300];
    // entries: epoch 6, entryEpoch 14, first version 22; records from 30: seq +4, ts +12.
    const fields = [6, 14, 22, 30 + 4, 30 + 12, 50 + 4];
    for (const at of fields) {
      for (const value of hostile) {
        const body = Buffer.from(sampleEntries().body);
        body.writeDoubleLE(value, at);
        expectRefused(body, /expected an integer/);
      }
    }
    // A seq or version of 0, and a run whose last version passes the safe integers.
    for (const at of [22, 34]) {
      const body = Buffer.from(sampleEntries().body);
      body.writeDoubleLE(0, at);
      expectRefused(body, /expected an integer from 1/);
    }
    const past = Buffer.from(sampleEntries().body);
    past.writeDoubleLE(MAX - 1, 22);
    expectRefused(past, /\/first/);
    // submit: epoch 6; records from 14: seq +0, ts +8.
    for (const at of [6, 14, 22]) {
      for (const value of hostile) {
        const body = Buffer.from(encodeSubmit(3, [{ peer: 'a', seq: 1, ts: 2, update: {} }], FRAME)!.body);
        body.writeDoubleLE(value, at);
        expectRefused(body, /expected an integer/);
      }
    }
  });

  it('a -0 in a field that may be 0 (epoch, entry epoch, ts) decodes as 0, as its JSON form does', () => {
    // Found by the byte-changing property above: -0 passed the integer check, and a message
    // with -0 is not the one its JSON text (0) decodes to.
    const read = (body: Buffer): Record<string, unknown> => outcome(body).message as Record<string, unknown>;
    for (const at of [6, 14, 30 + 12]) {
      const body = Buffer.from(sampleEntries().body);
      body.writeDoubleLE(-0, at);
      const message = read(body);
      const entry = (message.entries as { epoch: number; patch: { ts: number } }[])[0]!;
      for (const value of [message.epoch, entry.epoch, entry.patch.ts]) expect(Object.is(value, -0)).toBe(false);
      expect(viaJson(message)).toEqual(message);
    }
    for (const at of [6, 22]) {
      const body = Buffer.from(encodeSubmit(3, [{ peer: 'a', seq: 1, ts: 2, update: {} }], FRAME)!.body);
      body.writeDoubleLE(-0, at);
      const message = read(body);
      const patch = (message.patches as { ts: number }[])[0]!;
      for (const value of [message.epoch, patch.ts]) expect(Object.is(value, -0)).toBe(false);
      expect(viaJson(message)).toEqual(message);
    }
  });

  it('a JSON part of the wrong shape, a forged key, or a count that does not match', () => {
    const header = Buffer.from(sampleEntries().body.subarray(0, 30 + 3 * 20));
    const withJson = (text: string): Buffer => Buffer.concat([header, Buffer.from(text)]);
    const body = (n: number): string => `[${Array.from({ length: n }, () => '{"$inc":{"n":1}}').join(',')}]`;
    const cases: Array<[string, RegExp]> = [
      [`[["a","b"],${body(3)}]`, /./],
      [`{"peers":["a","b"],"bodies":${body(3)}}`, /expected \[head, bodies\]/],
      [`[["a","b"],${body(2)}]`, /expected 3 bodies/],
      [`[["a","b"],${body(4)}]`, /expected 3 bodies/],
      [`[["a"],${body(3)}]`, /peer index 1 is not in the table/],
      [`[["a",7],${body(3)}]`, /peer id/],
      [`[["a","${'x'.repeat(129)}"],${body(3)}]`, /peer id/],
      [`[["a",""],${body(3)}]`, /peer id/],
      [`[["a","b"],[{"$inc":{"n":1}},[1,2],{}]]`, /update object, \[update, extras\], \[operator, path, value\] or a repeat \(0\)/],
      [`[["a","b"],[{"$inc":{"n":1}},null,{}]]`, /update object, \[update, extras\], \[operator, path, value\] or a repeat \(0\)/],
      [`[["a","b"],[{"$inc":{"n":1}},[{},{"__proto__":{"x":1}}],{}]]`, /json\/1\/1\/1/],
      [`[["a","b"],[{"$inc":{"n":1}},[{},{"extra":1}],{}]]`, /json\/1\/1\/1/],
      [`[["a","b"],[{"$inc":{"n":1}},[{},{"if":[1]}],{}]]`, /json\/1\/1\/1/],
      [`[["a","b"],[{"$inc":{"n":1}},[{},{"msg":{"op":"left"}}],{}]]`, /json\/1\/1\/1/],
      [`[["a","b"],[{"$inc":{"n":1}},[{},{},{}],{}]]`, /update object, \[update, extras\], \[operator, path, value\] or a repeat \(0\)/],
      [`[["a","b"],[{"$inc":{"n":1}},["$inc","n"],{}]]`, /json\/1\/1: expected \[operator, path, value\]/],
      [`[["a","b"],[{"$inc":{"n":1}},["$inc","n",1,2],{}]]`, /json\/1\/1: expected \[operator, path, value\]/],
      [`[["a","b"],[{"$inc":{"n":1}},["$inc",7,1],{}]]`, /json\/1\/1: expected \[operator, path, value\]/],
      [`[["a","b"],[{"$inc":{"n":1}},["$inc"],{}]]`, /json\/1\/1: expected \[operator, path, value\]/],
      [`[["a","b"],${body(3)}`, /not valid JSON/],
      // A repeat names the one-path body of a value that is no object just before it.
      [`[["a","b"],[0,["$inc","n",1],0]]`, /json\/1\/0: a repeat \(0\) must follow/],
      [`[["a","b"],[{"$inc":{"n":1}},0,{}]]`, /json\/1\/1: a repeat \(0\) must follow/],
      [`[["a","b"],[["$set","n",{"a":1}],0,{}]]`, /json\/1\/1: a repeat \(0\) must follow/],
      [`[["a","b"],[["$set","n",[1]],0,{}]]`, /json\/1\/1: a repeat \(0\) must follow/],
      [`[["a","b"],[["$inc","n",1],[{"$inc":{"n":1}},{"if":{"n":1}}],0]]`, /json\/1\/2: a repeat \(0\) must follow/],
      [`[["a","b"],[["$inc","n",1],{"$inc":{"n":1}},0]]`, /json\/1\/2: a repeat \(0\) must follow/],
      [`[["a","b"],[["$inc","n",1],1,{}]]`, /update object, \[update, extras\], \[operator, path, value\] or a repeat \(0\)/],
    ];
    const [valid, ...invalid] = cases;
    expect(outcome(withJson(valid![0])).message).toMatchObject({ type: 'entries' });
    for (const [text, pattern] of invalid) expectRefused(withJson(text), pattern);
    expectRefused(Buffer.concat([header, Buffer.from([0x5b, 0xc3, 0x28, 0x5d])]), /UTF-8/);
  });

  it('an unknown kind, unknown flags, or more records than the JSON form allows', () => {
    const kind = Buffer.from(sampleEntries().body);
    kind[0] = 3;
    expectRefused(kind, /unknown binary frame kind 3/);
    const flags = Buffer.from(sampleEntries().body);
    flags[1] = 2;
    expectRefused(flags, /unknown flags/);
    const many = Buffer.from(sampleEntries().body);
    many.writeUInt32LE(1_000_001, 2);
    expectRefused(many, /records/);
    const none = Buffer.from(encodeSubmit(3, [{ peer: 'a', seq: 1, ts: 2, update: {} }], FRAME)!.body);
    none.writeUInt32LE(0, 2);
    expectRefused(none, /expected 1 to 100000 records/);
  });

  it('before hello, at the transport, whatever it holds', () => {
    const decoder = new FrameDecoder(FRAME);
    decoder.setLimits(64 * 1024, 64, 'before hello');
    const { messages, error } = decoder.push(sampleEntries().framed!);
    expect(messages).toHaveLength(0);
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error?.message).toMatch(/binary frame before hello/);
  });
});
