import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../src/errors.js';
import { encodeFrame, FrameDecoder } from '../../../src/transport/framing.js';
import { splitAt } from '../../support/bytes.js';

const MAX = 64 * 1024 * 1024;

function header(length: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(length, 0);
  return bytes;
}

function rawFrame(body: string | Buffer): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return Buffer.concat([header(bytes.length), bytes]);
}


describe('encodeFrame', () => {
  it('writes a big-endian byte length, then UTF-8 JSON', () => {
    const frame = encodeFrame({ é: '中' }, MAX);
    const json = JSON.stringify({ é: '中' });
    expect(frame.readUInt32BE(0)).toBe(Buffer.byteLength(json));
    expect(frame.subarray(4).toString('utf8')).toBe(json);
  });

  it('refuses a message larger than maxFrameBytes', () => {
    expect(() => encodeFrame('x'.repeat(100), 50)).toThrow(
      expect.objectContaining({ code: 'ERR_LIMIT_EXCEEDED' }),
    );
    expect(encodeFrame('x'.repeat(48), 50).length).toBe(54);
  });

  it('refuses values with no JSON form', () => {
    for (const value of [undefined, () => 1, Symbol('s'), 1n]) {
      expect(() => encodeFrame(value, MAX)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_VALUE' }),
      );
    }
  });
});

describe('FrameDecoder', () => {
  it('decodes many frames from one chunk and one frame from many one-byte chunks', () => {
    const frames = Buffer.concat([
      encodeFrame(1, MAX),
      encodeFrame({ a: [2] }, MAX),
      encodeFrame('3', MAX),
    ]);
    expect(new FrameDecoder(MAX).push(frames)).toEqual({
      messages: [1, { a: [2] }, '3'],
      texts: ['1', '{"a":[2]}', '"3"'],
    });
    const decoder = new FrameDecoder(MAX);
    const out: unknown[] = [];
    for (const byte of frames) out.push(...decoder.push(Buffer.from([byte])).messages);
    expect(out).toEqual([1, { a: [2] }, '3']);
    expect(decoder.pendingBytes).toBe(0);
  });

  it('refuses a frame announcing 4 GB from its header alone, before buffering anything', () => {
    const decoder = new FrameDecoder(MAX);
    const result = decoder.push(Buffer.from([0xff, 0xff, 0xff, 0xff]));
    expect(result.messages).toEqual([]);
    expect(result.error).toBeInstanceOf(ProtocolError);
    expect(result.error?.code).toBe('ERR_PROTOCOL');
    expect(decoder.pendingBytes).toBe(0);
    // Broken for good: later bytes are not decoded.
    expect(decoder.push(encodeFrame(1, MAX)).messages).toEqual([]);
  });

  it('accepts a frame of exactly maxFrameBytes and refuses one byte more', () => {
    const body = JSON.stringify('a'.repeat(8));
    expect(new FrameDecoder(body.length).push(rawFrame(body)).messages).toEqual(['aaaaaaaa']);
    expect(new FrameDecoder(body.length - 1).push(rawFrame(body)).error?.code).toBe('ERR_PROTOCOL');
  });

  it('reports invalid JSON, invalid UTF-8 and empty frames as ERR_PROTOCOL, after the good frames before them', () => {
    const cases = [
      rawFrame('{"open":'),
      rawFrame(Buffer.from([0x22, 0xc3, 0x28, 0x22])),
      header(0),
    ];
    for (const bad of cases) {
      const result = new FrameDecoder(MAX).push(
        Buffer.concat([encodeFrame('ok', MAX), bad, encodeFrame('after', MAX)]),
      );
      expect(result.messages).toEqual(['ok']);
      expect(result.error?.code).toBe('ERR_PROTOCOL');
    }
  });

  it('copes with absurd nesting without throwing', () => {
    const depth = 200_000;
    const result = new FrameDecoder(MAX).push(rawFrame(`${'['.repeat(depth)}${']'.repeat(depth)}`));
    // Either parsed (V8's parser is iterative) or refused: never an exception.
    expect(result.error === undefined ? result.messages.length : result.error.code).toSatisfy(
      (v: unknown) => v === 1 || v === 'ERR_PROTOCOL',
    );
  });

  it('joins a large frame from many chunks', () => {
    const message = { text: 'ü'.repeat(3 * 1024 * 1024) };
    const frame = encodeFrame(message, MAX);
    const decoder = new FrameDecoder(MAX);
    const out: unknown[] = [];
    for (let offset = 0; offset < frame.length; offset += 65_536) {
      out.push(...decoder.push(frame.subarray(offset, offset + 65_536)).messages);
    }
    expect(out).toHaveLength(1);
    expect((out[0] as { text: string }).text === message.text).toBe(true);
  });

  it('property: any split of any sequence of frames decodes to the same messages', () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue(), { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (messages, cuts) => {
          const stream = Buffer.concat(messages.map((m) => encodeFrame(m, MAX)));
          const decoder = new FrameDecoder(MAX);
          const out: unknown[] = [];
          for (const chunk of splitAt(stream, cuts)) {
            const result = decoder.push(chunk);
            expect(result.error).toBeUndefined();
            out.push(...result.messages);
          }
          // JSON round trip is the reference: -0 becomes 0, as over any JSON wire.
          expect(out).toEqual(JSON.parse(JSON.stringify(messages)));
          expect(decoder.pendingBytes).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: random bytes never throw out of the decoder; they give messages, an error or a wait', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 10 }),
        fc.boolean(),
        (chunks, prefixed) => {
          const decoder = new FrameDecoder(1024);
          let failed = false;
          for (const chunk of chunks) {
            // Half the runs put a plausible length first, so bodies get parsed, not just headers refused.
            const bytes = prefixed ? Buffer.concat([header(chunk.length), chunk]) : chunk;
            const result = decoder.push(bytes);
            if (failed) expect(result.messages).toEqual([]);
            if (result.error) {
              expect(result.error.code).toBe('ERR_PROTOCOL');
              failed = true;
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
