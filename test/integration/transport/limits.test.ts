/** Peers that misbehave: a node-ipc listener must cut them off and stay healthy for the others. */
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../src/errors.js';
import { createIpcTransport } from '../../../src/transport/ipc-transport.js';
import type {
  Address,
  Connection,
  Listener,
  Transport,
  TransportLimits,
} from '../../../src/transport/types.js';
import { nextTurn, type Recorder, record, within } from '../../unit/transport/helpers.js';

let dir: string;
let cleanups: (() => unknown)[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'memsync-limits-'));
  cleanups = [];
});

afterEach(async () => {
  for (const cleanup of cleanups.reverse())
    await within(10_000, Promise.resolve(cleanup()), 'cleanup');
  await rm(dir, { recursive: true, force: true });
});

interface Served {
  transport: Transport;
  address: Address & { kind: 'unix' };
  listener: Listener;
  /** Server side of each accepted connection, with a recorder attached. */
  accepted(): Promise<{ connection: Connection; inbox: Recorder }>;
  acceptedCount(): number;
}

async function serve(limits: Partial<TransportLimits> = {}): Promise<Served> {
  const transport = createIpcTransport(limits);
  const address = { kind: 'unix' as const, path: join(dir, `s${cleanups.length}.sock`) };
  const queue: { connection: Connection; inbox: Recorder }[] = [];
  const waiters: (() => void)[] = [];
  let count = 0;
  const listener = await transport.listen(address, (connection) => {
    count++;
    const inbox = record(connection, (message) => connection.send({ echo: message }));
    queue.push({ connection, inbox });
    for (const waiter of waiters.splice(0)) waiter();
  });
  cleanups.push(() => listener.close());
  return {
    transport,
    address,
    listener,
    acceptedCount: () => count,
    accepted: () =>
      within(
        10_000,
        new Promise((resolve) => {
          const take = () => {
            const next = queue.shift();
            if (next) resolve(next);
            else waiters.push(take);
          };
          take();
        }),
        'accept',
      ),
  };
}

/** A plain socket speaking raw bytes at the listener. */
async function rawClient(path: string): Promise<net.Socket> {
  const socket = net.connect({ path });
  cleanups.push(() => socket.destroy());
  await within(5_000, new Promise((resolve) => socket.once('connect', resolve)), 'raw connect');
  return socket;
}

async function expectHealthy(served: Served): Promise<void> {
  const client = await served.transport.connect(served.address);
  cleanups.push(() => client.close());
  const inbox = record(client);
  client.send('still there?');
  expect(await inbox.received(1)).toEqual([{ echo: 'still there?' }]);
}

describe('node-ipc transport limits', () => {
  it('disconnects a peer that stops reading with ERR_BACKPRESSURE, and keeps serving others', async () => {
    const served = await serve({ maxQueuedBytes: 1024 * 1024 });
    const raw = await rawClient(served.address.path);
    raw.pause();
    const { connection, inbox } = await served.accepted();
    const payload = 'z'.repeat(64 * 1024);
    for (let i = 0; i < 2_000 && !connection.closed; i++) {
      connection.send({ i, payload });
      await nextTurn();
    }
    const error = await inbox.closed();
    expect(error?.code).toBe('ERR_BACKPRESSURE');
    expect(connection.bufferedBytes).toBe(0);
    await expectHealthy(served);
  });

  it('closes a connection whose frame announces 4 GB with ERR_PROTOCOL, at once', async () => {
    const served = await serve();
    const raw = await rawClient(served.address.path);
    const rawClosed = new Promise((resolve) => raw.once('close', resolve));
    raw.write(Buffer.from([0xff, 0xff, 0xff, 0xff]));
    const { inbox } = await served.accepted();
    const error = await inbox.closed();
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error?.code).toBe('ERR_PROTOCOL');
    await within(5_000, rawClosed, 'raw socket close');
    await expectHealthy(served);
  });

  it('delivers the good frames before a bad one, then closes with ERR_PROTOCOL and delivers nothing after', async () => {
    const served = await serve();
    const raw = await rawClient(served.address.path);
    const good = Buffer.from(JSON.stringify({ ok: 1 }));
    const bad = Buffer.from('{nope');
    const after = Buffer.from('"after"');
    const frame = (body: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, body.length]), body]);
    raw.write(Buffer.concat([frame(good), frame(bad), frame(after)]));
    const { inbox } = await served.accepted();
    expect((await inbox.closed())?.code).toBe('ERR_PROTOCOL');
    expect(inbox.messages).toEqual([{ ok: 1 }]);
  });

  it('honours maxFrameBytes on receipt and refuses to send a larger message', async () => {
    const served = await serve({ maxFrameBytes: 1024 });
    const client = await createIpcTransport().connect(served.address);
    cleanups.push(() => client.close());
    const { inbox } = await served.accepted();
    client.send('x'.repeat(2_000));
    expect((await inbox.closed())?.code).toBe('ERR_PROTOCOL');
    const strict = await createIpcTransport({ maxFrameBytes: 1024 }).connect(served.address);
    cleanups.push(() => strict.close());
    expect(() => strict.send('x'.repeat(2_000))).toThrow(
      expect.objectContaining({ code: 'ERR_LIMIT_EXCEEDED' }),
    );
    expect(strict.closed).toBe(false);
  });

  it('accepts more than node-ipc default of 100 connections', async () => {
    const served = await serve();
    const clients = await Promise.all(
      Array.from({ length: 150 }, () =>
        within(10_000, served.transport.connect(served.address), 'connect'),
      ),
    );
    cleanups.push(() => {
      for (const client of clients) client.close();
    });
    const replies = clients.map((client, i) => {
      const inbox = record(client);
      client.send(i);
      return inbox.received(1);
    });
    const all = await Promise.all(replies);
    expect(all.map((r) => (r[0] as { echo: number }).echo)).toEqual(clients.map((_, i) => i));
    expect(served.acceptedCount()).toBe(150);
  });

  it('refuses connections beyond maxConnections', async () => {
    const served = await serve({ maxConnections: 2 });
    const first = await served.transport.connect(served.address);
    const second = await served.transport.connect(served.address);
    cleanups.push(
      () => first.close(),
      () => second.close(),
    );
    await served.accepted();
    await served.accepted();
    const third = await served.transport.connect(served.address);
    await record(third).closed();
    expect(served.acceptedCount()).toBe(2);
  });
});
