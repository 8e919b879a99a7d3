import { describe, expect, it } from 'vitest';
import { ClientHarness, HOST_EPOCH, HOST_ID } from './role-harness.js';

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const entry = (version: number, epoch: number, n = 1) => ({
  version,
  epoch,
  patch: { peer: 'other', seq: version, ts: 1_000_000 + version, update: { $inc: { n } } },
});

/** Epochs fence a client: nothing of a host older than one it followed may lead it. */
describe('a client and the epochs it has seen', () => {
  it('refuses the welcome of a host older than one it already followed, and applies nothing', async () => {
    const client = new ClientHarness({ n: 0 }, HOST_EPOCH + 1);
    await settle();
    expect(client.conn.closed).toBe(true);
    expect(client.lost?.error?.message).toMatch(/older/);
    expect(client.core.knownEpoch).toBe(HOST_EPOCH + 1);
  });

  it('after its welcome, refuses entries of an older epoch', async () => {
    const client = new ClientHarness();
    client.conn.deliver({ type: 'entries', epoch: HOST_EPOCH - 1, entries: [entry(1, HOST_EPOCH - 1)] });
    await settle();
    expect(client.conn.closed).toBe(true);
    expect(client.core.replica.version).toBe(0);
  });

  it('refuses an entry that another epoch ordered at a version it holds (a split it would keep)', async () => {
    const client = new ClientHarness();
    client.conn.deliver({ type: 'entries', epoch: HOST_EPOCH, entries: [entry(1, HOST_EPOCH)] });
    await settle();
    expect(client.core.replica.version).toBe(1);
    // The same version again, but ordered by another epoch: not the history it holds.
    client.conn.deliver({ type: 'entries', epoch: HOST_EPOCH, entries: [entry(1, HOST_EPOCH - 3, 5), entry(2, HOST_EPOCH)] });
    await settle();
    expect(client.conn.closed).toBe(true);
    expect(client.lost?.error?.message).toMatch(/diverged/);
    expect(client.core.replica.state.n).toBe(1);
  });

  it('acknowledges the member lists it receives (a joiner waits for that)', async () => {
    const client = new ClientHarness();
    client.conn.deliver({ type: 'members', epoch: HOST_EPOCH, seq: 4, joined: [{ peer: HOST_ID, clientOnly: false }], left: [] });
    await settle();
    expect(client.conn.sentOf('ack').at(-1)).toMatchObject({ type: 'ack', epoch: HOST_EPOCH, members: 4 });
  });
});
