/**
 * A host whose address a member takes over while the host is running (a loaded machine can
 * make it look frozen) must stop acting as host at once, not on its fence's next check: until
 * it stops it acknowledges its remaining members' writes, which the new host does not wait for.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemSync } from '../../../src/index.js';
import { createIpcTransport } from '../../../src/transport/ipc-transport.js';
import type { Connection, Listener } from '../../../src/transport/types.js';

let dir: string;
const cleanups: Array<() => Promise<void> | void> = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'memsync-deposed-running-'));
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await rm(dir, { recursive: true, force: true });
});

const quiet = (c: Connection): void => c.setHandlers({ message: () => {}, close: () => {} });

describe.skipIf(process.platform === 'win32')('a running host deposed by a member', () => {
  it('steps down as soon as its socket is replaced, with no traffic and long before its next heartbeat', async () => {
    const path = join(dir, 'mesh.sock');
    // Heartbeats a quarter of a minute apart: only the address change can wake the host.
    const mem = new MemSync('deposed-running', { n: 0 }, { path, hostTimeout: 60_000 });
    cleanups.push(() => mem.stop());
    await mem.start();
    expect(mem.role).toBe('host');
    const steppedDown = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the host did not step down within 5 s')), 5_000);
      mem.on('role', (event) => {
        if (event.role === 'host') return;
        clearTimeout(timer);
        resolve(event.role);
      });
    });

    const transport = createIpcTransport();
    const seen = await transport.connect({ kind: 'unix', path });
    cleanups.push(() => seen.close());
    expect(seen.target).toBeDefined();
    // The deposer unlinks the name, then binds it. The host notices the unlink, steps down and
    // runs an election of its own at once, so it may bind the free name first (then the deposer
    // is refused with EADDRINUSE and would join it, as an election does). Either way the host
    // has stepped down; a deposer refused for any other reason leaves it host and fails below.
    const successor: Listener | undefined = await transport
      .listen({ kind: 'unix', path }, quiet, { depose: seen.target })
      .catch((error: unknown) => {
        if (error instanceof Error && /EADDRINUSE/.test(error.message)) return undefined;
        throw error;
      });
    if (successor) cleanups.push(() => successor.close());

    expect(await steppedDown).not.toBe('host');
  });
});
