import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../src/errors.js';
import { PROTOCOL_VERSIONS, parseMessage } from '../../../src/protocol/messages.js';

const DEPTH = 100_000;
const deepArray = '['.repeat(DEPTH) + ']'.repeat(DEPTH);
const deepObject = `${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}`;

/** What parseMessage does with the JSON text: the message, or what it threw. */
function parseText(json: string): { message?: unknown; thrown?: unknown } {
  const value: unknown = JSON.parse(json);
  try {
    return { message: parseMessage(value) };
  } catch (thrown) {
    return { thrown };
  }
}

function expectProtocolError(json: string): void {
  const { thrown } = parseText(json);
  expect(thrown).toBeInstanceOf(ProtocolError);
  expect(thrown).toMatchObject({ code: 'ERR_PROTOCOL' });
}

const validHello = {
  type: 'hello',
  protocols: [...PROTOCOL_VERSIONS],
  mesh: 'm',
  peer: 'p',
  clientOnly: false,
  version: 0,
  entryEpoch: 0,
  knownEpoch: 0,
};

describe('parseMessage on hostile JSON', () => {
  it.each([
    ['an array nested 100k deep', deepArray],
    ['an object nested 100k deep', deepObject],
    ['a type nested 100k deep (array)', `{"type":${deepArray}}`],
    ['a type nested 100k deep (object)', `{"type":${deepObject}}`],
    [
      'protocols nested 100k deep',
      JSON.stringify({ ...validHello, protocols: [] }).replace('[]', deepArray),
    ],
  ])('%s: a ProtocolError, nothing else', (_name, json) => {
    expectProtocolError(json);
  });

  it.each([
    ['an epoch of 1e400 (Infinity once parsed)', '{"type":"members","epoch":1e400,"members":[]}'],
    ['a negative version', JSON.stringify({ ...validHello, version: -1 })],
    ['a fractional version', JSON.stringify({ ...validHello, version: 0.5 })],
    ['a version beyond the safe integers', JSON.stringify({ ...validHello, version: 2 ** 53 + 2 })],
    [
      'a seq of 0',
      '{"type":"submit","epoch":1,"patches":[{"peer":"p","seq":0,"ts":1,"update":{}}]}',
    ],
    [
      'a negative ts',
      '{"type":"submit","epoch":1,"patches":[{"peer":"p","seq":1,"ts":-1,"update":{}}]}',
    ],
    [
      'an update that is an array',
      '{"type":"submit","epoch":1,"patches":[{"peer":"p","seq":1,"ts":1,"update":[]}]}',
    ],
    [
      'an empty peer id',
      '{"type":"submit","epoch":1,"patches":[{"peer":"","seq":1,"ts":1,"update":{}}]}',
    ],
    ['an empty batch', '{"type":"submit","epoch":1,"patches":[]}'],
    // As the compact form refuses it (protocol/compact-decode.ts): `version + 1` would equal itself.
    [
      'an entry version beyond the safe integers',
      `{"type":"entries","epoch":1,"entries":[{"version":${2 ** 53 + 2},"epoch":1,"patch":{"peer":"p","seq":1,"ts":1,"update":{}}}]}`,
    ],
    ['a type that is not a string', '{"type":7}'],
    ['a type of another case', '{"type":"Hello"}'],
    ['null', 'null'],
    ['a string', '"hello"'],
  ])('%s: a ProtocolError', (_name, json) => {
    expectProtocolError(json);
  });

  it('an extra "__proto__" field in a patch envelope is refused', () => {
    expectProtocolError(
      '{"type":"submit","epoch":1,"patches":[{"peer":"p","seq":1,"ts":1,' +
        '"update":{"$set":{"a":1}},"__proto__":{"polluted":1}}]}',
    );
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a "__proto__" field on a message never becomes a prototype', () => {
    const hello = JSON.stringify(validHello);
    const json = `{"__proto__":{"type":"welcome","polluted":1},${hello.slice(1)}`;
    const { message, thrown } = parseText(json);
    if (thrown !== undefined) expect(thrown).toBeInstanceOf(ProtocolError);
    else {
      expect(Object.getPrototypeOf(message)).toBe(Object.prototype);
      expect((message as { type: string }).type).toBe('hello');
      expect((message as { polluted?: unknown }).polluted).toBeUndefined();
    }
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('an error message stays short whatever the peer sent', () => {
    const huge = 'x'.repeat(1_000_000);
    for (const value of [{ type: huge }, { type: 'hello', mesh: huge }, { [huge]: 1 }]) {
      let thrown: unknown;
      try {
        parseMessage(value);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ProtocolError);
      expect((thrown as Error).message.length).toBeLessThan(1000);
    }
  });
});
