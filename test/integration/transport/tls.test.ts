import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemSync } from '../../../src/index.js';

/** A free loopback port: bind 0, read it, release it. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

describe('TCP over TLS with the user certificates', () => {
  const dir = mkdtempSync(join(tmpdir(), 'memsync-tls-'));
  const tls = { key: join(dir, 'key.pem'), cert: join(dir, 'cert.pem'), ca: join(dir, 'cert.pem') };
  const open: MemSync[] = [];

  beforeAll(() => {
    // A self-signed pair for 127.0.0.1: it is its own authority, so it serves as `ca` too.
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', tls.key, '-out', tls.cert, '-days', '1', '-subj', '/CN=memsync-test',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ], { stdio: 'ignore' });
  });

  afterAll(async () => {
    await Promise.all(open.map((m) => m.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('host and client talk over TLS; a plain-TCP client cannot join', async () => {
    const port = await freePort();
    const make = (options: ConstructorParameters<typeof MemSync>[2]): MemSync => {
      const mem = new MemSync('tls-mesh', { n: 0 } as never, { gatherMs: 20, ...options });
      open.push(mem);
      return mem;
    };
    const host = make({ tcp: { host: '127.0.0.1', port, tls } });
    expect(await host.start()).toBe('host');
    const client = make({ tcp: { host: '127.0.0.1', port, tls }, clientOnly: true });
    expect(await client.start()).toBe('client');
    expect(await client.patch({ $inc: { n: 2 } })).toEqual({ version: 1, applied: true });
    await host.whenVersion(1, { timeout: 5000 });
    expect(host.data).toEqual({ n: 2 });

    const plain = make({ tcp: { host: '127.0.0.1', port }, clientOnly: true, timeout: 1500 });
    await expect(plain.start()).rejects.toMatchObject({ code: 'ERR_TIMEOUT' });
    expect(host.data).toEqual({ n: 2 });
  });
});
