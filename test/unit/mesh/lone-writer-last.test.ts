import { afterEach, describe, expect, it } from 'vitest';
import { MemSync } from '../../../src/index.js';
import { KIND_ENTRIES } from '../../../src/protocol/compact-layout.js';
import { BinaryFrame } from '../../../src/transport/binary-frame.js';
import { createLoopbackTransport } from '../../../src/transport/loopback.js';
import type { Connection, Transport } from '../../../src/transport/types.js';

/**
 * The order in which a host writes an entries frame to its members (host-ordering.ts,
 * loneWriter): a lone entry reaches the other members before its writer, whose frame only
 * acknowledges it; a larger batch goes to the members in the order they joined.
 */
describe('a host writes a lone entry to its writer last', () => {
  const open: MemSync[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((m) => m.stop()));
  });

  /** The loopback, with every entries frame the host sends recorded as the index of its member connection. */
  function recordingTransport(): { transport: Transport; sentTo: number[] } {
    const loopback = createLoopbackTransport();
    const sentTo: number[] = [];
    const accepted: Connection[] = [];
    const transport: Transport = {
      ...loopback,
      listen: (address, onConnection, options) =>
        loopback.listen(
          address,
          (conn) => {
            const index = accepted.push(conn) - 1;
            const send = conn.send.bind(conn);
            conn.send = (message: unknown) => {
              if (message instanceof BinaryFrame && message.kind === KIND_ENTRIES) sentTo.push(index);
              send(message);
            };
            onConnection(conn);
          },
          options,
        ),
      connect: (address, options) => loopback.connect(address, options),
    };
    return { transport, sentTo };
  }

  async function mesh(): Promise<{ a: MemSync; b: MemSync; sentTo: number[] }> {
    const { transport, sentTo } = recordingTransport();
    const replica = (clientOnly: boolean): MemSync => {
      const mem = new MemSync('lone', { n: 0, m: 0 }, { transport, path: '/loopback/lone', clientOnly, gatherMs: 30 });
      open.push(mem);
      return mem;
    };
    expect(await replica(false).start()).toBe('host');
    // Joined in this order: the host's connection 0 is a's, 1 is b's.
    const a = replica(true);
    await a.start();
    const b = replica(true);
    await b.start();
    return { a, b, sentTo };
  }

  it('sends a lone entry to the other member first, then to its writer', async () => {
    const { a, b, sentTo } = await mesh();
    for (const [writer, other] of [
      [a, 1],
      [b, 0],
    ] as const) {
      sentTo.length = 0;
      await expect(writer.patch({ $inc: { n: 1 } })).resolves.toMatchObject({ applied: true });
      expect(sentTo).toEqual([other, 1 - other]);
    }
    expect(a.data).toEqual({ n: 2, m: 0 });
  });

  it('keeps the members in the order they joined for a batch of several entries', async () => {
    const { b, sentTo } = await mesh();
    sentTo.length = 0;
    // One tick: one submit, one batch of two entries of b's.
    const both = Promise.all([b.patch({ $inc: { n: 1 } }), b.patch({ $inc: { m: 1 } })]);
    await expect(both).resolves.toHaveLength(2);
    expect(sentTo).toEqual([0, 1]);
    expect(b.data).toEqual({ n: 1, m: 1 });
  });
});
