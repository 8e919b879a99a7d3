/**
 * Peers that have proved nothing yet. A frame before `hello` may be a few KiB (a hello is a
 * few hundred bytes), and all unauthenticated connections together may hold 1 MiB of partial
 * frames: before, 16 connections each sending 60 MiB of a 64 MiB frame took a host from 73 MB
 * to 1 GB until the hello timeout. The hello timeout is set to a minute here, so a host that
 * merely waits for it (as before) fails these tests: they need the cut to come from the limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../support/cluster.js';
import { expectCutOff, HostileMesh } from './hostile-mesh.js';
import { frame, helloFor, RawPeer } from './raw-peer.js';

const PRE_HELLO_FRAME_BYTES = 4096;
const UNAUTHENTICATED_BYTES = 1 << 20;

describe('before hello', () => {
  let mesh: HostileMesh;
  const extra: RawPeer[] = [];
  beforeAll(async () => {
    mesh = await HostileMesh.start({ limits: { helloTimeoutMs: 60_000 } });
  });
  afterAll(async () => {
    for (const peer of extra) peer.destroy();
    await mesh?.[Symbol.asyncDispose]();
  });

  it('a frame announcing 64 MiB is cut off at its header, not buffered', async () => {
    const peer = await mesh.attacker();
    peer.write(frame(Buffer.alloc(64 * 1024, 0x20), 64 * 1024 * 1024 - 1));
    await expectCutOff(peer);
    await mesh.expectUnharmed('64 MiB announced before hello');
  });

  it('a frame just over the pre-hello limit is cut off; an honest hello still gets in', async () => {
    const peer = await mesh.attacker();
    peer.write(frame(Buffer.alloc(100, 0x20), PRE_HELLO_FRAME_BYTES + 1));
    await expectCutOff(peer);
    // A hello padded to the limit itself is read (and welcomed: it is a well-formed hello).
    const honest = await mesh.attacker();
    const hello = helloFor(mesh.name, 'padded-hello', { mesh: mesh.name });
    const text = JSON.stringify(hello);
    honest.write(frame(text + ' '.repeat(PRE_HELLO_FRAME_BYTES - Buffer.byteLength(text))));
    expect((await honest.next('welcome')).type).toBe('welcome');
    honest.destroy();
    await mesh.expectUnharmed('limit-sized hello');
  });

  it('many connections holding partial frames: together they hold at most 1 MiB', {
    timeout: 60_000,
  }, async () => {
    const partial = PRE_HELLO_FRAME_BYTES - 100;
    const count = 400;
    const peers: RawPeer[] = [];
    for (let i = 0; i < count; i++) {
      const peer = await RawPeer.connect(mesh.path);
      extra.push(peer);
      peers.push(peer);
      peer.write(frame(Buffer.alloc(partial, 0x20), PRE_HELLO_FRAME_BYTES).subarray(0, 4 + partial));
    }
    const held = 4 + partial;
    const mostThatFit = Math.floor(UNAUTHENTICATED_BYTES / held);
    await until(
      () => peers.filter((p) => p.isClosed).length >= count - mostThatFit,
      20_000,
      () => `${count - mostThatFit} of ${count} cut off (${peers.filter((p) => p.isClosed).length} were)`,
    );
    await mesh.expectUnharmed('partial frames from many connections');
    for (const peer of peers) peer.destroy();
  });

  it('a frame of nested [ within the limit is refused and the mesh carries on', async () => {
    const peer = await mesh.attacker();
    peer.write(frame('['.repeat(PRE_HELLO_FRAME_BYTES)));
    await expectCutOff(peer);
    await mesh.expectUnharmed('nesting before hello');
  });
});
