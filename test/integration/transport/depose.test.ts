/**
 * Deposing a frozen host at the socket level (issue #14): a socket that still accepts is taken
 * over only by its identity (Connection.target), never by its address alone, and the deposed
 * listener learns it through `owns()` and, closing late, leaves its successor's file alone.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIpcTransport } from '../../../src/transport/ipc-transport.js';
import type { Address, Connection, Listener } from '../../../src/transport/types.js';

let dir: string;
const listeners: Listener[] = [];
const connections: Connection[] = [];
const opened = {
  push(item: Listener | Connection): void {
    if ('setHandlers' in item) connections.push(item);
    else listeners.push(item);
  },
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'memsync-depose-'));
});

afterEach(async () => {
  for (const connection of connections.splice(0)) connection.close();
  for (const listener of listeners.splice(0)) await listener.close();
  await rm(dir, { recursive: true, force: true });
});

const quiet = (c: Connection): void => c.setHandlers({ message: () => {}, close: () => {} });

describe('deposing a host that still accepts', () => {
  it('takes the address over by identity only; the deposed listener knows, and its close removes nothing of the successor', async () => {
    const transport = createIpcTransport();
    const address: Address = { kind: 'unix', path: join(dir, 'mesh.sock') };
    const frozen = await transport.listen(address, quiet);
    opened.push(frozen);
    expect(frozen.owns?.()).toBe(true);

    const seen = await transport.connect(address);
    opened.push(seen);
    expect(seen.target).toMatch(/^\d+:\d+$/);

    // A live socket is never taken without its identity, nor with another one.
    await expect(transport.listen(address, quiet)).rejects.toMatchObject({ code: 'ERR_CONNECTION' });
    await expect(transport.listen(address, quiet, { depose: '1:2' })).rejects.toMatchObject({ code: 'ERR_CONNECTION' });
    // Nor joined again while it counts as frozen: contention, retried by the election.
    await expect(transport.connect(address, { avoid: seen.target })).rejects.toMatchObject({
      cause: { code: 'EAGAIN' },
    });

    const successor = await transport.listen(address, quiet, { depose: seen.target });
    opened.push(successor);
    expect(frozen.owns?.()).toBe(false);
    expect(successor.owns?.()).toBe(true);

    // The successor's socket is another file: the old identity no longer matches anything.
    const next = await transport.connect(address, { avoid: seen.target });
    opened.push(next);
    expect(next.target).not.toBe(seen.target);
    await expect(transport.listen(address, quiet, { depose: seen.target })).rejects.toMatchObject({ code: 'ERR_CONNECTION' });

    // The deposed host closing late leaves the successor's file where it is.
    await frozen.close();
    expect(existsSync(address.kind === 'unix' ? address.path : '')).toBe(true);
    expect(successor.owns?.()).toBe(true);
    const again = await transport.connect(address);
    opened.push(again);
    expect(again.target).toBe(next.target);
  });
});
