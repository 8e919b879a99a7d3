/**
 * options.logger and the diagnostics channels, on an in-process mesh over the loopback
 * transport: a host handing over, a client electing itself, patches applied and refused.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { CHANNELS, type Logger, type OutcomeMessage } from '../../../src/diagnostics/index.js';
import { MemSync } from '../../../src/index.js';
import { createLoopbackTransport } from '../../../src/transport/loopback.js';

type Line = { level: string; fields: Record<string, unknown>; message: string };

function collector(): { logger: Logger; lines: Line[] } {
  const lines: Line[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, message: string) => lines.push({ level, fields, message });
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

describe('diagnostics', () => {
  const open: MemSync[] = [];
  const transport = createLoopbackTransport();
  const options = { transport, path: '/loopback/diagnostics', gatherMs: 30 };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((m) => m.stop()));
  });

  it('logs the election, the gather, the join and the failover to options.logger', async () => {
    const a = collector();
    const b = collector();
    const host = new MemSync('diag', { n: 0 }, { ...options, id: 'host-a', logger: a.logger });
    const client = new MemSync('diag', {}, { ...options, id: 'client-b', logger: b.logger });
    open.push(host, client);
    expect(await host.start()).toBe('host');
    expect(await client.start()).toBe('client');
    expect(a.lines).toContainEqual(expect.objectContaining({ level: 'info', fields: expect.objectContaining({ event: 'election', peer: 'host-a' }) }));
    expect(a.lines.some((l) => l.fields.event === 'gather')).toBe(true);
    expect(b.lines).toContainEqual(expect.objectContaining({ level: 'info', message: expect.stringMatching(/^joined host host-a in epoch \d+ at version \d+$/) }));

    const elected = new Promise<void>((resolve) => client.on('role', (e) => e.role === 'host' && resolve()));
    await host.stop();
    await elected;
    const messages = b.lines.map((l) => `${l.level} ${l.fields.event}: ${l.message}`);
    expect(messages).toContainEqual(expect.stringMatching(/^warn election: host lost: handed over/));
    expect(messages).toContainEqual(expect.stringMatching(/^info election: elected host, epoch \d+; gathering 0 previous member\(s\)$/));
  });

  it('logs a member joining and leaving the host with the reason, and the snapshot both ends', async () => {
    const a = collector();
    const b = collector();
    const host = new MemSync('diag-join', { n: 0 }, { ...options, path: '/loopback/diag-join', id: 'host-j', logger: a.logger });
    open.push(host);
    await host.start();
    const client = new MemSync('diag-join', {}, { ...options, path: '/loopback/diag-join', id: 'client-j', clientOnly: true, logger: b.logger });
    await client.start();
    const hostSaid = (): string[] => a.lines.map((l) => `${l.level} ${l.fields.event}: ${l.message}`);
    expect(hostSaid()).toContainEqual(expect.stringMatching(/^info join: clientOnly peer client-j \(pid \d+\) joined at version 0$/));
    expect(hostSaid()).toContainEqual(expect.stringMatching(/^debug snapshot: sending a snapshot at version \d+ to client-j$/));
    expect(b.lines).toContainEqual(
      expect.objectContaining({ level: 'info', fields: expect.objectContaining({ event: 'snapshot', origin: 'host-j' }), message: expect.stringMatching(/^installed a snapshot at version \d+ from host-j$/) }),
    );
    await client.stop();
    await expect.poll(hostSaid, { timeout: 5000 }).toContainEqual('info leave: peer client-j left: connection closed');
  });

  it('publishes applied and refused patches with timings on diagnostics_channel', async () => {
    const seen: { channel: string; message: OutcomeMessage }[] = [];
    const listen = (name: string) => (message: unknown) => seen.push({ channel: name, message: message as OutcomeMessage });
    const onApplied = listen(CHANNELS.applied);
    const onRefused = listen(CHANNELS.refused);
    const onOrdered = listen(CHANNELS.ordered);
    diagnosticsChannel.subscribe(CHANNELS.applied, onApplied);
    diagnosticsChannel.subscribe(CHANNELS.refused, onRefused);
    diagnosticsChannel.subscribe(CHANNELS.ordered, onOrdered);
    try {
      const mem = new MemSync('diag-ch', { n: 0 }, { ...options, path: '/loopback/diag-ch', id: 'writer' });
      open.push(mem);
      await mem.start();
      const ok = await mem.patch({ $inc: { n: 1 } });
      const no = await mem.patch({ $set: { n: 2 } }, { if: { n: 5 } });
      expect(no.applied).toBe(false);
      const ordered = seen.filter((s) => s.channel === CHANNELS.ordered).map((s) => s.message.version);
      expect(ordered).toEqual([ok.version, no.version]);
      const applied = seen.find((s) => s.channel === CHANNELS.applied)?.message;
      expect(applied).toMatchObject({ peer: 'writer', writer: 'writer', version: ok.version });
      expect(applied?.applyMs).toBeGreaterThan(0);
      expect(applied?.sinceWrittenMs).toBeGreaterThanOrEqual(0);
      expect(seen.find((s) => s.channel === CHANNELS.refused)?.message).toMatchObject({ version: no.version, reason: 'condition' });
    } finally {
      diagnosticsChannel.unsubscribe(CHANNELS.applied, onApplied);
      diagnosticsChannel.unsubscribe(CHANNELS.refused, onRefused);
      diagnosticsChannel.unsubscribe(CHANNELS.ordered, onOrdered);
    }
  });
});
