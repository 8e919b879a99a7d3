import { afterAll, beforeAll, describe, it } from 'vitest';
import { expectCutOff, HostileMesh } from './hostile-mesh.js';
import { frame, type RawPeer } from './raw-peer.js';

/** Deterministic pseudo-random bytes (xorshift32), so a failure replays the same input. */
function noise(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

const DEPTH = 100_000;
const deepArray = '['.repeat(DEPTH) + ']'.repeat(DEPTH);

interface Case {
  name: string;
  bytes: () => Buffer;
  /** End our side after sending, instead of waiting for the host to hang up. */
  thenEnd?: boolean;
}

const cases: Case[] = [
  { name: 'random bytes', bytes: () => noise(4096, 0x9e3779b9) },
  {
    name: 'random bytes behind a plausible length',
    bytes: () => frame(noise(300, 0x2545f491)),
  },
  {
    name: 'a truncated frame, then the end of the stream',
    bytes: () => frame('{"type":"hello","protocols":[1]}').subarray(0, 20),
    thenEnd: true,
  },
  { name: 'a frame announcing 4 GB', bytes: () => frame('{}', 0xffff_ffff) },
  { name: 'an empty frame', bytes: () => frame('') },
  { name: 'invalid JSON', bytes: () => frame('{"type":"hello",') },
  { name: 'JSON that is not UTF-8', bytes: () => frame(Buffer.from([0x22, 0xc3, 0x28, 0x22])) },
  { name: '100k unclosed [', bytes: () => frame('['.repeat(DEPTH)) },
  { name: 'an array nested 100k deep', bytes: () => frame(deepArray) },
  { name: 'a type field nested 100k deep', bytes: () => frame(`{"type":${deepArray}}`) },
  {
    name: 'an object nested 100k deep',
    bytes: () => frame(`${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}`),
  },
];

describe('hostile bytes at the host socket', () => {
  let mesh: HostileMesh;
  beforeAll(async () => {
    mesh = await HostileMesh.start();
  });
  afterAll(async () => {
    await mesh?.[Symbol.asyncDispose]();
  });

  it.each(cases)('$name: cut off, nothing applied, everyone unharmed', async (c) => {
    const peer: RawPeer = await mesh.attacker();
    peer.write(c.bytes());
    if (c.thenEnd) peer.socket.end();
    await expectCutOff(peer);
    await mesh.expectUnharmed(c.name);
  });

  it('bytes trickled one at a time before garbage: still cut off', async () => {
    const peer = await mesh.attacker();
    const bytes = frame('{"type":"hello",');
    for (const byte of bytes) peer.write(Buffer.from([byte]));
    await expectCutOff(peer);
    await mesh.expectUnharmed('trickled garbage');
  });
});
