import { describe, expect, it } from 'vitest';
import type { MemSyncError } from '../../../src/errors.js';
import { createLoopbackTransport } from '../../../src/transport/loopback.js';
import type { Address, Connection } from '../../../src/transport/types.js';
import { record, within } from './helpers.js';
import { runTransportTests } from './transport-suite.js';

let counter = 0;
const freshAddress = (): Address => ({ kind: 'unix', path: `/loopback/test-${++counter}.sock` });

runTransportTests('loopback', async () => ({
  transport: createLoopbackTransport(),
  address: freshAddress,
  teardown: async () => {},
}));

describe('loopback transport', () => {
  it('keeps addresses per transport instance', async () => {
    const a = createLoopbackTransport();
    const b = createLoopbackTransport();
    const address = freshAddress();
    const listener = await a.listen(address, () => {});
    await expect(b.connect(address)).rejects.toMatchObject({ code: 'ERR_CONNECTION' });
    const other = await b.listen(address, () => {});
    await listener.close();
    await other.close();
  });

  it('tells TCP and Unix addresses apart', async () => {
    const transport = createLoopbackTransport();
    await transport.listen({ kind: 'tcp', host: '127.0.0.1', port: 4000 }, () => {});
    await expect(
      transport.connect({ kind: 'tcp', host: '127.0.0.1', port: 4001 }),
    ).rejects.toMatchObject({
      cause: { code: 'ECONNREFUSED' },
    });
    await transport.listen({ kind: 'tcp', host: '127.0.0.1', port: 4001 }, () => {});
  });

  it('kill drops the listener and its connections like SIGKILL: peers see ERR_CONNECTION, the dead side sees nothing', async () => {
    const transport = createLoopbackTransport();
    const address = freshAddress();
    const accepted: Connection[] = [];
    const deadSideCloses: (MemSyncError | undefined)[] = [];
    await transport.listen(address, (connection) => {
      accepted.push(connection);
      connection.setHandlers({ message: () => {}, close: (error) => deadSideCloses.push(error) });
    });
    const first = await transport.connect(address);
    const second = await transport.connect(address);
    const firstInbox = record(first);
    const secondInbox = record(second);
    first.send('ping');
    await within(
      5_000,
      waitUntil(() => accepted.length === 2),
    );
    // Queued by the host but never flushed: a killed process's unsent bytes are lost.
    accepted[0]!.send('never delivered');
    transport.kill(address);
    expect((await firstInbox.closed())?.code).toBe('ERR_CONNECTION');
    expect((await secondInbox.closed())?.code).toBe('ERR_CONNECTION');
    expect(firstInbox.messages).toEqual([]);
    expect(accepted.every((c) => c.closed)).toBe(true);
    expect(deadSideCloses).toEqual([]);
    await expect(transport.connect(address)).rejects.toMatchObject({
      cause: { code: 'ECONNREFUSED' },
    });
    // The address is free again for the next host.
    const successor = await transport.listen(address, () => {});
    await successor.close();
  });

  it('drops in-flight messages towards a killed host', async () => {
    const transport = createLoopbackTransport();
    const address = freshAddress();
    const received: unknown[] = [];
    await transport.listen(address, (connection) =>
      connection.setHandlers({ message: (m) => received.push(m), close: () => {} }),
    );
    const client = await transport.connect(address);
    const inbox = record(client);
    client.send('in flight');
    transport.kill(address);
    await inbox.closed();
    expect(received).toEqual([]);
  });

  it('delivers asynchronously, never inside send', async () => {
    const transport = createLoopbackTransport();
    const address = freshAddress();
    const received: unknown[] = [];
    await transport.listen(address, (connection) =>
      connection.setHandlers({
        message: (m) => {
          received.push(m);
          connection.send(m);
        },
        close: () => {},
      }),
    );
    const client = await transport.connect(address);
    const inbox = record(client);
    client.send(1);
    expect(received).toEqual([]);
    expect(await inbox.received(1)).toEqual([1]);
  });
});

function waitUntil(condition: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = () => (condition() ? resolve() : setImmediate(check));
    check();
  });
}
