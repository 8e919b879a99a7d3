/**
 * A join that syncs and fails in one read. The chaos run of seed 974367413: w0 installed a
 * snapshot at version 0, which resolved its join, and the next frame of the same read (an
 * entry past a second snapshot still to come) failed the connection before the join's await
 * went on. The loss was left to the join (still joining), the join then went on as if synced,
 * and the process stayed a "client" of nothing at version 0 for good.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemSync } from '../../../src/index.js';
import { PROTOCOL_VERSIONS } from '../../../src/protocol/messages.js';
import { createLoopbackTransport } from '../../../src/transport/loopback.js';
import type { Connection, Listener } from '../../../src/transport/types.js';

const EPOCH = 7;
const address = { kind: 'unix', path: '/loopback/synced-then-lost' } as const;

describe('a join lost in the turn it synced', () => {
  const open: MemSync[] = [];
  let listener: Listener | undefined;
  afterEach(async () => {
    await Promise.all(open.splice(0).map((m) => m.stop()));
    await listener?.close();
  });

  it('elects again instead of staying a client of nothing', async () => {
    const transport = createLoopbackTransport();
    const hellos: Connection[] = [];
    // A scripted host: welcome and a snapshot at version 0, then (the first time only) an
    // entry at version 5 in the same read, as a gap the joiner must refuse.
    listener = await transport.listen(address, (conn) => {
      conn.setHandlers({
        message: (message) => {
          if ((message as { type?: string }).type !== 'hello') return;
          hellos.push(conn);
          conn.send({
            type: 'welcome',
            protocol: PROTOCOL_VERSIONS[0],
            host: 'scripted',
            epoch: EPOCH,
            version: 0,
            members: [{ peer: 'scripted', clientOnly: false }],
            membersSeq: 1,
            clock: 0,
          });
          conn.send({ type: 'snapshot', epoch: EPOCH, part: 0, last: true, entries: [], meta: { version: 0, epoch: 0, stamps: [], seqs: [] } });
          if (hellos.length === 1) {
            conn.send({ type: 'entries', epoch: EPOCH, entries: [{ version: 5, epoch: EPOCH, patch: { peer: 'w', seq: 1, ts: 1, update: { $set: { n: 1 } } } }] });
          }
        },
        close: () => {},
      });
    });
    const mem = new MemSync('loop', { n: 0 } as never, { transport, path: address.path, clientOnly: true, hostTimeout: 60_000, timeout: 5_000 });
    open.push(mem);
    expect(await mem.start()).toBe('client');
    // Synced with a live connection: the one that failed was left, and the host joined again.
    expect(hellos).toHaveLength(2);
    expect(hellos[0]!.closed).toBe(true);
    expect(hellos[1]!.closed).toBe(false);
    expect(mem.role).toBe('client');
  });
});
