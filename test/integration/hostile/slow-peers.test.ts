/**
 * Peers that hold resources without playing along: one that never says hello, one that
 * never reads what the host sends it. The host runs with small limits so both are cut off
 * quickly; the honest peers, which speak and read, never come near them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../support/cluster.js';
import { joinedAttacker } from './attacks.js';
import { expectCutOff, HostileMesh } from './hostile-mesh.js';
import { frame } from './raw-peer.js';

const HELLO_TIMEOUT_MS = 300;
const MAX_QUEUED_BYTES = 1 << 20;

describe('peers that stall', () => {
  let mesh: HostileMesh;
  beforeAll(async () => {
    // One honest client, which is also the bulk writer: it waits for each of its patches to
    // come back, so it can never fall more than one patch behind and trip the small queue
    // limit itself, however loaded the machine.
    mesh = await HostileMesh.start(
      { limits: { helloTimeoutMs: HELLO_TIMEOUT_MS, maxQueuedBytes: MAX_QUEUED_BYTES } },
      1,
    );
  });
  afterAll(async () => {
    await mesh?.[Symbol.asyncDispose]();
  });

  /** Resolves once the host reports dropping a peer for saying no hello in time. */
  function helloTimeoutReported(from: number): Promise<unknown> {
    return mesh.host.waitForEvent(
      (e) => e.event === 'error' && String(e.message).includes('no hello'),
      10_000,
      from,
    );
  }

  it('a peer that connects and never speaks is closed after helloTimeoutMs', async () => {
    const from = mesh.host.events.length;
    const peer = await mesh.attacker();
    await expectCutOff(peer);
    await helloTimeoutReported(from);
    expect(peer.messages).toEqual([]);
    await mesh.expectUnharmed('silent peer');
  });

  it('a peer that sends half a frame and stops is closed after helloTimeoutMs', async () => {
    const from = mesh.host.events.length;
    const peer = await mesh.attacker();
    peer.write(frame('{"type":"hello","protocols":[1]}').subarray(0, 10));
    await expectCutOff(peer);
    await helloTimeoutReported(from);
    await mesh.expectUnharmed('half a frame');
  });

  it('a peer that never reads is disconnected; honest writers are not held back', async () => {
    const before = await mesh.hostPeerCount();
    const { peer } = await joinedAttacker(mesh);
    await until(async () => (await mesh.hostPeerCount()) === before + 1, 10_000, 'attacker joined');
    peer.pause();
    // About 6 MB of entries: far beyond the kernel's socket buffers plus maxQueuedBytes.
    await mesh.honestBulk(300, 10, 2000);
    await until(
      async () => (await mesh.hostPeerCount()) === before,
      10_000,
      'the host dropping the peer that does not read',
    );
    peer.resume();
    await expectCutOff(peer);
    await mesh.expectUnharmed('after a peer that never reads');
  });
});
