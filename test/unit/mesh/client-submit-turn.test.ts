/**
 * A client's submits within one turn of the event loop (client-role.ts): the first leaves at
 * the end of its microtask, as before (a lone write waits for nothing), and writes made after
 * it in the same turn (a loop that awaits between writes, each await a microtask checkpoint)
 * go together in one submit at the end of the turn, instead of one frame each. Every patch
 * still goes once, in seq order, before anything messaging sends after it, and a link closed
 * meanwhile sends nothing (the outbox keeps them for the next host).
 */
import { describe, expect, it } from 'vitest';
import type { MessagingMessage, MessagingPort } from '../../../src/messaging/link.js';
import type { Patch } from '../../../src/types.js';
import { ClientHarness, settle } from '../protocol/role-harness.js';

/** One own write, as MemSync.patch makes it: proposed, waited for, handed to the role. */
function write(client: ClientHarness): Patch {
  const patch = client.core.nextPatch({ update: { $inc: { n: 1 } } });
  client.core.propose(patch);
  void client.core.outbox.add(patch, { timeoutMs: 10_000 }).catch(() => {});
  client.role.submit([patch]);
  return patch;
}

/** The seqs of each submit the client sent, in order. */
function submits(client: ClientHarness): number[][] {
  return client.conn.sentOf('submit').map((m) => (m.patches as Patch[]).map((p) => p.seq));
}

/** A few microtask checkpoints: what `await` of a settled promise gives a loop between two writes. */
async function checkpoint(): Promise<void> {
  for (let i = 0; i < 3; i++) await Promise.resolve();
}

describe('a client submits once per turn after its first submit', () => {
  it('sends the first write at once and the later writes of the turn as one submit at its end', async () => {
    const client = new ClientHarness();
    const seqs: number[] = [];
    for (let i = 0; i < 10; i++) {
      seqs.push(write(client).seq);
      await checkpoint();
    }
    // The first left at its microtask; the rest wait for the end of the turn.
    expect(submits(client)).toEqual([[seqs[0]!]]);
    await settle();
    expect(submits(client)).toEqual([[seqs[0]!], seqs.slice(1)]);
    // A later turn starts again: its first write leaves at once.
    const next = write(client).seq;
    await checkpoint();
    expect(submits(client)).toEqual([[seqs[0]!], seqs.slice(1), [next]]);
    client.role.close();
  });

  it('sends every patch once, in seq order, whatever the turns and checkpoints between writes', async () => {
    const client = new ClientHarness();
    const written: number[] = [];
    // Deterministic mix: bursts within a turn, checkpoints between some writes, turns ended.
    for (let i = 0; i < 200; i++) {
      written.push(write(client).seq);
      if (i % 3 === 0) await checkpoint();
      if (i % 17 === 0) await settle();
    }
    await settle();
    expect(submits(client).flat()).toEqual(written);
    // Fewer frames than writes: the point of it.
    expect(submits(client).length).toBeLessThan(written.length / 3);
    client.role.close();
  });

  it('sends what messaging sends after writes of the turn after those writes', async () => {
    let send: ((message: MessagingMessage) => void) | undefined;
    const port: MessagingPort = {
      host: () => {
        throw new Error('not a host');
      },
      client: (to) => {
        send = to;
        return { message: () => {} };
      },
      clientLost: () => {},
    };
    const client = new ClientHarness({ n: 0 }, 0, true, port);
    const first = write(client).seq;
    await checkpoint();
    const held = [write(client).seq, write(client).seq];
    send!({ type: 'event', name: 'after', data: null } as unknown as MessagingMessage);
    const order = client.conn.sent.filter((m) => m.type === 'submit' || m.type === 'event').map((m) => m.type === 'event' ? 'event' : (m.patches as Patch[]).map((p) => p.seq));
    expect(order).toEqual([[first], held, 'event']);
    client.role.close();
  });

  it('sends nothing held once the link closed: the patches stay unordered for the next host', async () => {
    const client = new ClientHarness();
    write(client);
    await checkpoint();
    const held = [write(client).seq, write(client).seq];
    client.role.close();
    await settle();
    expect(submits(client)).toHaveLength(1);
    expect(client.core.unordered().map((p) => p.seq)).toEqual(expect.arrayContaining(held));
  });
});
