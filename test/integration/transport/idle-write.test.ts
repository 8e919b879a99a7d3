/**
 * When a connection writes: a lone frame on an idle connection goes to the socket at once
 * (a round trip is four hops of it) and the rest of its tick at the tick's end; frames sent
 * in a busy stretch are batched into one write per turn of the event loop. Real Unix sockets; what is measured is what the connection holds back,
 * never a time.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIpcTransport } from '../../../src/transport/ipc-transport.js';
import type { Connection, Listener } from '../../../src/transport/types.js';
import { nextTurn, record, within } from '../../unit/transport/helpers.js';

describe('ipc connection: write at once when idle, batch when busy', () => {
  let dir: string;
  let listener: Listener | undefined;
  const open: Connection[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'memsync-idle-write-'));
  });

  afterEach(async () => {
    for (const connection of open.splice(0)) connection.close();
    await listener?.close();
    listener = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  async function pair(): Promise<{ client: Connection; server: Connection }> {
    const transport = createIpcTransport();
    const address = { kind: 'unix', path: join(dir, 'a.sock') } as const;
    let accept: (c: Connection) => void = () => {};
    const accepted = new Promise<Connection>((resolve) => (accept = resolve));
    listener = await transport.listen(address, (c) => {
      open.push(c);
      accept(c);
    });
    const client = await transport.connect(address);
    open.push(client);
    return { client, server: await within(10_000, accepted, 'accept') };
  }

  it('writes a lone frame at once, and the rest of that tick in one write at its end', async () => {
    const { client, server } = await pair();
    const inbox = record(server);
    client.send({ n: 1, pad: 'x'.repeat(500) });
    // Already handed to the kernel: nothing held back.
    expect(client.bufferedBytes).toBe(0);
    client.send({ n: 2, pad: 'x'.repeat(500) });
    client.send({ n: 3, pad: 'x'.repeat(500) });
    // The tick's later frames wait for its end, not for the check phase.
    expect(client.bufferedBytes).toBeGreaterThan(1000);
    await Promise.resolve();
    expect(client.bufferedBytes).toBe(0);
    await inbox.received(3);
    expect(inbox.messages.map((m) => (m as { n: number }).n)).toEqual([1, 2, 3]);
  });

  it('stays idle after a window whose frames all came in its first tick (a submit and an ack)', async () => {
    const { client, server } = await pair();
    const inbox = record(server);
    for (let round = 0; round < 3; round++) {
      // What one read makes a replica send: every window holds two frames, in one tick.
      client.send({ n: 2 * round + 1 });
      expect(client.bufferedBytes).toBe(0);
      client.send({ n: 2 * round + 2 });
      await nextTurn();
    }
    await inbox.received(6);
    expect(inbox.messages.map((m) => (m as { n: number }).n)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('batches the first frame too after a busy window, and writes at once again once idle', async () => {
    const { client, server } = await pair();
    const inbox = record(server);
    client.send({ n: 1 });
    // Ticks after the window's first: that is load.
    await Promise.resolve();
    await Promise.resolve();
    client.send({ n: 2 });
    client.send({ n: 3 });
    expect(client.bufferedBytes).toBeGreaterThan(0);
    await nextTurn();
    // The last window got frames after its first tick: the next one's first frame is batched.
    client.send({ n: 4 });
    await Promise.resolve();
    expect(client.bufferedBytes).toBeGreaterThan(0);
    await nextTurn();
    await nextTurn();
    // That window held one frame only: idle again, the next frame leaves at once.
    client.send({ n: 5 });
    expect(client.bufferedBytes).toBe(0);
    await inbox.received(5);
    expect(inbox.messages.map((m) => (m as { n: number }).n)).toEqual([1, 2, 3, 4, 5]);
  });

  it('closes the windows of every connection that sent in a tick, the one that was flushed early too', async () => {
    const transport = createIpcTransport();
    const address = { kind: 'unix', path: join(dir, 'many.sock') } as const;
    const accepted: Connection[] = [];
    listener = await transport.listen(address, (c) => {
      open.push(c);
      accepted.push(c);
    });
    const clients: Connection[] = [];
    for (let i = 0; i < 3; i++) {
      const client = await transport.connect(address);
      open.push(client);
      clients.push(client);
    }
    while (accepted.length < 3) await nextTurn();
    const inboxes = accepted.map((server) => record(server));
    // Each opens a window with its first frame and queues three more; the last one passes the
    // early-flush size with its third frame (its window closes then) and opens another.
    for (const [i, client] of clients.entries()) {
      const pad = 'x'.repeat(i === 2 ? 2500 : 100);
      for (let n = 1; n <= 4; n++) client.send({ n, pad });
    }
    for (const client of clients) expect(client.bufferedBytes).toBeGreaterThan(0);
    await nextTurn();
    for (const client of clients) expect(client.bufferedBytes).toBe(0);
    for (const inbox of inboxes) await inbox.received(4);
    expect(inboxes.map((inbox) => inbox.messages.map((m) => (m as { n: number }).n))).toEqual([
      [1, 2, 3, 4],
      [1, 2, 3, 4],
      [1, 2, 3, 4],
    ]);
  });

  it('tells the receiver once the messages of a read are all delivered, in the same call stack', async () => {
    const { client, server } = await pair();
    // As a host does once the peer's hello proved it (before that, frames go one by one).
    server.authenticated();
    const events: string[] = [];
    let sameStack = false;
    let done: () => void = () => {};
    const all = new Promise<void>((resolve) => (done = resolve));
    server.setHandlers({
      message(message) {
        events.push(`m${(message as { n: number }).n}`);
        sameStack = true;
        queueMicrotask(() => (sameStack = false));
      },
      read() {
        events.push(sameStack ? 'read' : 'read, too late');
        if (events.includes('m5')) done();
      },
      close() {},
    });
    for (let n = 1; n <= 5; n++) client.send({ n });
    await within(10_000, all, 'the reads');
    expect(events.filter((e) => e.startsWith('m'))).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    // Each read ends with the notice, never before a message of it, never a turn later.
    expect(events.at(-1)).toBe('read');
    expect(events).not.toContain('read, too late');
    for (let i = 1; i < events.length; i++) if (events[i] === 'read') expect(events[i - 1]).toMatch(/^m/);
  });
});
