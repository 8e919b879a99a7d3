import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIpcTransport } from '../../../src/transport/ipc-transport.js';
import type { Address } from '../../../src/transport/types.js';
import { runTransportTests } from '../../unit/transport/transport-suite.js';

runTransportTests('node-ipc over Unix sockets', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'memsync-transport-'));
  let n = 0;
  return {
    transport: createIpcTransport(),
    address: (): Address => ({ kind: 'unix', path: join(dir, `s${++n}.sock`) }),
    teardown: () => rm(dir, { recursive: true, force: true }),
  };
});

runTransportTests('node-ipc over TCP', async () => {
  // node-ipc cannot listen on port 0, so borrow free ports from the kernel first.
  const ports = await freePorts(8);
  return {
    transport: createIpcTransport(),
    address: (): Address => {
      const port = ports.shift();
      if (port === undefined) throw new Error('test used more addresses than reserved');
      return { kind: 'tcp', host: '127.0.0.1', port };
    },
    teardown: async () => {},
  };
});

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}
