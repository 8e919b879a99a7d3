/** Fuzz of the frame decoder: arbitrary bytes, frames and headers, cut at arbitrary points. */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ProtocolError } from '../../../src/errors.js';
import { FrameDecoder } from '../../../src/transport/framing.js';
import { assertRefusal, type Beat } from './fuzz-checks.js';
import { hostileJsonText } from './hostile-arbitraries.js';
import { assertPrototypesUntouched } from './prototype-guard.js';
import { splitAt } from '../../support/bytes.js';

const MAX_FRAME = 1024;

function header(length: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(length, 0);
  return bytes;
}

interface Segment {
  bytes: Buffer;
  /** Set when the segment is one well-formed frame within the limit: its JSON text. */
  json?: string;
}

const segment: fc.Arbitrary<Segment> = fc.oneof(
  fc.uint8Array({ maxLength: 40 }).map((b) => ({ bytes: Buffer.from(b) })),
  hostileJsonText.map((json) => {
    const body = Buffer.from(json, 'utf8');
    const bytes = Buffer.concat([header(body.length), body]);
    return body.length <= MAX_FRAME ? { bytes, json } : { bytes };
  }),
  fc.integer({ min: 0, max: 0xffff_ffff }).map((n) => ({ bytes: header(n) })),
  fc.constant({ bytes: Buffer.from([0, 0, 0, 4, 0x22, 0xc3, 0x28, 0x22]) }),
);


/**
 * Any bytes, cut anywhere: the decoder never throws, reports only ProtocolErrors, stays
 * broken once broken, never holds more than one frame, and decodes well-formed frames exactly.
 */
export function frameDecoderProperty(beat: Beat) {
  return fc.property(
    fc.array(segment, { maxLength: 8 }),
    fc.array(fc.nat(), { maxLength: 10 }),
    (segments, cuts) => {
      beat();
      const decoder = new FrameDecoder(MAX_FRAME);
      const decoded: unknown[] = [];
      let error: ProtocolError | undefined;
      for (const chunk of splitAt(Buffer.concat(segments.map((s) => s.bytes)), cuts)) {
        const result = decoder.push(chunk);
        if (error !== undefined) {
          assert.equal(result.error, error, 'a broken stream stays broken');
          assert.equal(result.messages.length, 0, 'nothing decodes after the break');
        }
        decoded.push(...result.messages);
        if (result.error !== undefined) {
          assertRefusal(result.error, ProtocolError, 'FrameDecoder');
          assert.equal(result.error.code, 'ERR_PROTOCOL');
          error = result.error;
        }
        assert.ok(decoder.pendingBytes <= MAX_FRAME + 4, 'holds no more than one frame');
      }
      if (segments.every((s) => s.json !== undefined)) {
        assert.equal(error, undefined, 'well-formed frames decode without error');
        assert.deepEqual(
          decoded.map((m) => JSON.stringify(m)),
          segments.map((s) => JSON.stringify(JSON.parse(s.json ?? ''))),
        );
      }
      assertPrototypesUntouched();
    },
  );
}
