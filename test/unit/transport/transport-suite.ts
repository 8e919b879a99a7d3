/**
 * The acceptance suite every Transport must pass. Call it from a test file:
 * `runTransportTests('loopback', async () => ({ transport, address, teardown }))`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isMemSyncError, type MemSyncError, ProtocolError } from '../../../src/errors.js';
import { BinaryFrame } from '../../../src/transport/binary-frame.js';
import type { Address, Connection, Listener, Transport } from '../../../src/transport/types.js';
import { nextTurn, record, within } from './helpers.js';

export interface TransportSetup {
  transport: Transport;
  /** A fresh address nobody listens on; each call returns another one. */
  address(): Address;
  teardown(): Promise<void>;
}

export function runTransportTests(name: string, setup: () => Promise<TransportSetup>): void {
  describe(`${name} transport (acceptance suite)`, () => {
    let env: TransportSetup;
    let listeners: Listener[];
    let connections: Connection[];

    beforeEach(async () => {
      env = await setup();
      listeners = [];
      connections = [];
    });

    afterEach(async () => {
      for (const connection of connections) connection.close();
      await within(10_000, Promise.all(listeners.map((l) => l.close())), 'closing listeners');
      await env.teardown();
    });

    /** Listens on a fresh address; `accepted` yields the server side of each connection. */
    async function serve() {
      const address = env.address();
      const queue: Connection[] = [];
      let waiting: ((c: Connection) => void) | undefined;
      const listener = await env.transport.listen(address, (connection) => {
        connections.push(connection);
        if (waiting) {
          const wake = waiting;
          waiting = undefined;
          wake(connection);
        } else queue.push(connection);
      });
      listeners.push(listener);
      const accepted = () =>
        within(
          10_000,
          new Promise<Connection>((resolve) => {
            const next = queue.shift();
            if (next) resolve(next);
            else waiting = resolve;
          }),
          'accepting a connection',
        );
      return { address, listener, accepted };
    }

    async function dial(address: Address): Promise<Connection> {
      const connection = await within(10_000, env.transport.connect(address), 'connect');
      connections.push(connection);
      return connection;
    }

    it('delivers messages in both directions', async () => {
      const { address, accepted } = await serve();
      const client = await dial(address);
      const clientInbox = record(client);
      const server = await accepted();
      const serverInbox = record(server, (message) => server.send({ echo: message }));
      client.send({ hello: 'host', n: 1 });
      client.send(['list', 2, null, true]);
      expect(await serverInbox.received(2)).toEqual([
        { hello: 'host', n: 1 },
        ['list', 2, null, true],
      ]);
      expect(await clientInbox.received(2)).toEqual([
        { echo: { hello: 'host', n: 1 } },
        { echo: ['list', 2, null, true] },
      ]);
    });

    it('preserves order across 10,000 messages, sent in one tick and across many', async () => {
      const { address, accepted } = await serve();
      const client = await dial(address);
      const server = await accepted();
      const serverInbox = record(server);
      for (let i = 0; i < 5_000; i++) client.send({ i, pad: 'x'.repeat(i % 50) });
      for (let i = 5_000; i < 10_000; i++) {
        client.send({ i, pad: 'x'.repeat(i % 50) });
        if (i % 500 === 0) await nextTurn();
      }
      const got = await serverInbox.received(10_000);
      expect(got.map((m) => (m as { i: number }).i)).toEqual(
        Array.from({ length: 10_000 }, (_, i) => i),
      );
    });

    it('carries a binary frame as its bytes, between JSON messages, once the peer is authenticated', async () => {
      const { address, accepted } = await serve();
      const client = await dial(address);
      const server = await accepted();
      server.authenticated();
      const serverInbox = record(server);
      const bytes = Buffer.from([1, 0, 255, 0x7b, 0x22, 7, 0, 128]);
      client.send({ before: 1 });
      client.send(new BinaryFrame(Buffer.from(bytes), () => ({ plain: true })));
      client.send({ after: 2 });
      const [before, frame, after] = await serverInbox.received(3);
      expect(before).toEqual({ before: 1 });
      expect(frame).toBeInstanceOf(BinaryFrame);
      expect(Buffer.compare((frame as BinaryFrame).body, bytes)).toBe(0);
      expect(after).toEqual({ after: 2 });
    });

    it('carries an 8 MB message intact', async () => {
      const { address, accepted } = await serve();
      const client = await dial(address);
      const server = await accepted();
      // Until then an accepted connection takes only small frames (a hello's worth).
      server.authenticated();
      const serverInbox = record(server);
      const unit = 'abc\u00e9\u4e2d\u{1f600}"\\\n';
      const text = unit.repeat(Math.ceil((8 * 1024 * 1024) / Buffer.byteLength(unit)));
      client.send({ text, after: 1 });
      client.send('next');
      const [big, next] = await serverInbox.received(2);
      expect((big as { text: string }).text === text).toBe(true);
      expect(next).toBe('next');
    });

    it('refuses a second listen on the same address with EADDRINUSE', async () => {
      const { address } = await serve();
      const error = await env.transport.listen(address, () => {}).catch((e: unknown) => e);
      expect(isMemSyncError(error)).toBe(true);
      expect((error as MemSyncError).code).toBe('ERR_CONNECTION');
      expect(((error as MemSyncError).cause as { code?: string }).code).toBe('EADDRINUSE');
    });

    it('refuses to connect when nothing listens', async () => {
      const error = await env.transport.connect(env.address()).catch((e: unknown) => e);
      expect((error as MemSyncError).code).toBe('ERR_CONNECTION');
      // A Unix path with no file says ENOENT; an existing but unserved address says ECONNREFUSED.
      expect(['ECONNREFUSED', 'ENOENT']).toContain(
        ((error as MemSyncError).cause as { code?: string }).code,
      );
    });

    it('close flushes what is queued, then calls close once on each side', async () => {
      const { address, accepted } = await serve();
      const client = await dial(address);
      const clientInbox = record(client);
      const server = await accepted();
      const serverInbox = record(server);
      for (let i = 0; i < 100; i++) client.send(i);
      client.close();
      expect(client.closed).toBe(true);
      client.send('after close');
      client.close();
      expect(await serverInbox.closed()).toBeUndefined();
      expect(serverInbox.messages).toEqual(Array.from({ length: 100 }, (_, i) => i));
      expect(await clientInbox.closed()).toBeUndefined();
      expect(server.closed).toBe(true);
      await nextTurn();
      await nextTurn();
      expect(clientInbox.closeCalls).toHaveLength(1);
      expect(serverInbox.closeCalls).toHaveLength(1);
      expect(clientInbox.messages).toEqual([]);
    });

    it('close(error) reports that error to its own close handler', async () => {
      const { address, accepted } = await serve();
      const client = await dial(address);
      const clientInbox = record(client);
      const server = await accepted();
      const serverInbox = record(server);
      const reason = new ProtocolError('ERR_PROTOCOL', 'bad hello');
      server.close(reason);
      expect(await serverInbox.closed()).toBe(reason);
      await clientInbox.closed();
      expect(clientInbox.closeCalls).toHaveLength(1);
    });

    it('a connection that only reads learns that its peer closed', async () => {
      const { address, accepted } = await serve();
      const client = await dial(address);
      const clientInbox = record(client);
      const server = await accepted();
      record(server);
      server.send('bye');
      server.close();
      await clientInbox.closed();
      expect(clientInbox.messages).toEqual(['bye']);
      expect(client.closed).toBe(true);
    });

    it('buffers messages that arrive before setHandlers and delivers them after', async () => {
      const { address, accepted } = await serve();
      const client = await dial(address);
      client.send('one');
      client.send({ two: 2 });
      const server = await accepted();
      // No event tells us the bytes have arrived while no handler is set: give them a moment,
      // so the buffering path is the one exercised (the assertion holds either way).
      await new Promise((resolve) => setTimeout(resolve, 50));
      const inbox = record(server);
      // Delivery never happens inside setHandlers itself.
      expect(inbox.messages).toEqual([]);
      client.send('three');
      expect(await inbox.received(3)).toEqual(['one', { two: 2 }, 'three']);
    });

    it('delivers a close that happened before setHandlers, after the buffered messages', async () => {
      const { address, accepted } = await serve();
      const client = await dial(address);
      const server = await accepted();
      client.send('last words');
      client.close();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const inbox = record(server);
      await inbox.closed();
      expect(inbox.messages).toEqual(['last words']);
      expect(inbox.closeCalls).toEqual([undefined]);
    });

    it('closing the listener closes its connections and frees the address', async () => {
      const { address, listener, accepted } = await serve();
      const client = await dial(address);
      const clientInbox = record(client);
      const server = await accepted();
      const serverInbox = record(server);
      await within(10_000, listener.close(), 'listener close');
      await clientInbox.closed();
      await serverInbox.closed();
      const again = await env.transport.listen(address, () => {});
      listeners.push(again);
      expect(again.address).toEqual(address);
    });

    it('counts queued bytes in bufferedBytes until they are flushed', async () => {
      const { address, accepted } = await serve();
      const client = await dial(address);
      const server = await accepted();
      const inbox = record(server);
      expect(client.bufferedBytes).toBe(0);
      // An idle connection may write the first frame of a tick at once; the next one waits
      // for the tick's batch and is counted until then.
      client.send({ payload: 'x'.repeat(1000) });
      client.send({ payload: 'y'.repeat(1000) });
      expect(client.bufferedBytes).toBeGreaterThan(1000);
      await inbox.received(2);
      expect(client.bufferedBytes).toBe(0);
    });

    it('refuses to send a value with no JSON form, and keeps the connection', async () => {
      const { address, accepted } = await serve();
      const client = await dial(address);
      const server = await accepted();
      const inbox = record(server);
      expect(() => client.send(undefined)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_VALUE' }),
      );
      expect(() => client.send({ big: 10n })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_VALUE' }),
      );
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      expect(() => client.send(cyclic)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_VALUE' }),
      );
      client.send({ date: new Date(0), gone: undefined, fn: () => 1 });
      expect(await inbox.received(1)).toEqual([{ date: '1970-01-01T00:00:00.000Z' }]);
      expect(client.closed).toBe(false);
    });

    it('gives every connection a distinct id', async () => {
      const { address, accepted } = await serve();
      const a = await dial(address);
      const b = await dial(address);
      const ids = new Set([a.id, b.id, (await accepted()).id, (await accepted()).id]);
      expect(ids.size).toBe(4);
    });
  });
}
