/**
 * A joiner of a document over a MiB while a member writes. The host sizes such a snapshot in
 * slices, yielding to the event loop between them (snapshot-stream.ts), and the entries it
 * ordered meanwhile went straight to the joiner, ahead of the snapshot's first part: the
 * joiner, still at version 0, failed each attempt with `version gap` and never joined.
 */
import { afterEach, expect, it } from 'vitest';
import { MemSync } from '../../../src/index.js';
import { createLoopbackTransport } from '../../../src/transport/loopback.js';

const open: MemSync[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((m) => m.stop()));
});

it('joins a document of over a MiB while another member writes', async () => {
  const transport = createLoopbackTransport();
  const options = { transport, path: '/loopback/big-join', gatherMs: 30 };
  const replica = (extra = {}): MemSync => {
    const mem = new MemSync('big', { n: 0 } as never, { ...options, ...extra });
    open.push(mem);
    return mem;
  };
  const host = replica();
  expect(await host.start()).toBe('host');
  // About 2.4 MB of JSON: sized in three slices, with two turns of the loop between them.
  for (let i = 0; i < 40; i++) await host.patch({ $set: { [`k${i}`]: 'x'.repeat(60_000) } } as never);
  const writer = replica();
  await writer.start();
  let writing = true;
  const writes = (async () => {
    while (writing) await writer.patch({ $inc: { n: 1 } } as never);
  })();
  try {
    const joiner = replica({ timeout: 10_000 });
    expect(await joiner.start()).toBe('client');
    expect(Object.keys(joiner.data as object)).toHaveLength(41);
  } finally {
    writing = false;
    await writes;
  }
}, 30_000);
