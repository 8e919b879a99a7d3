/** `options.http`: the same API served by a replica in its own process, from start() to stop(). */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createInspectServer, MemSync } from '../../../src/index.js';
import { createLoopbackTransport } from '../../../src/transport/loopback.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('HTTP in process', () => {
  const open: MemSync[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((m) => m.stop()));
  });
  const options = () => ({ transport: createLoopbackTransport(), path: '/loopback/http', gatherMs: 20 });

  it('options.http serves the replica from start() until stop()', async () => {
    const port = await freePort();
    const mem = new MemSync('http', { n: 1 }, { ...options(), http: { port } });
    open.push(mem);
    await mem.start();
    const url = `http://127.0.0.1:${port}/`;
    expect(await (await fetch(`${url}state`)).json()).toEqual({ n: 1 });
    const posted = await fetch(`${url}patch`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"update":{"$inc":{"n":2}}}' });
    expect(await posted.json()).toMatchObject({ applied: true });
    expect(mem.data).toEqual({ n: 3 });
    expect((await (await fetch(`${url}status`)).json()) as { role: string }).toMatchObject({ role: 'host', id: mem.id });
    await mem.stop();
    await expect(fetch(`${url}state`)).rejects.toThrow();
  });

  it('beyond loopback without a token, start() fails with ERR_INVALID_OPTION and the replica stops', async () => {
    const mem = new MemSync('http', { n: 1 }, { ...options(), http: { port: 0, host: '0.0.0.0' } });
    open.push(mem);
    await expect(mem.start()).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
    expect(mem.role).toBe('stopped');
  });

  it('createInspectServer on any replica, with a token', async () => {
    const mem = new MemSync('http', { n: 1 }, options());
    open.push(mem);
    await mem.start();
    const server = await createInspectServer(mem, { port: 0, token: 'sixteen-chars-token' });
    try {
      expect((await fetch(`${server.url}state`)).status).toBe(401);
      const ok = await fetch(`${server.url}state/n`, { headers: { Authorization: 'Bearer sixteen-chars-token' } });
      expect(await ok.json()).toBe(1);
    } finally {
      await server.close();
    }
  });
});
