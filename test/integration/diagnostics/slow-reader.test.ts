/**
 * A slow reader, for real: a client process stopped with SIGSTOP reads nothing while the host
 * writes; past maxQueuedBytes the host drops it, and options.logger says so: the refused peer
 * with ERR_BACKPRESSURE, then the member leaving with that reason.
 */
import { setImmediate as turn } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../../src/diagnostics/index.js';
import { MemSync } from '../../../src/index.js';
import { Cluster, type Worker, type WorkerStatus } from '../../support/cluster.js';

type Line = { level: string; fields: Record<string, unknown>; message: string };

describe('a slow reader in the log', () => {
  const cluster = new Cluster();
  const lines: Line[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, message: string) => void lines.push({ level, fields, message });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  const host = new MemSync('slow', { blob: '' }, { dir: cluster.dir, logger, limits: { maxQueuedBytes: 1 << 20 } });
  let reader: Worker | undefined;
  afterAll(async () => {
    if (reader) process.kill(reader.pid, 'SIGCONT');
    await host.stop();
    await cluster[Symbol.asyncDispose]();
  });

  it('is dropped with ERR_BACKPRESSURE, and the host logs it and why the member left', async () => {
    host.on('error', () => undefined); // the same drop, as an error event
    expect(await host.start()).toBe('host');
    reader = await cluster.spawn();
    expect(await reader.call('start', { name: 'slow', defaults: {}, options: { dir: cluster.dir } })).toBe('client');
    const { id } = await reader.call<WorkerStatus>('status');
    process.kill(reader.pid, 'SIGSTOP');
    // Each patch is broadcast to the stopped reader; none is awaited (with a member that
    // does not answer, the host's own writes are held until it is gone).
    const said = (): string[] => lines.map((l) => `${l.level} ${l.fields.event}: ${l.message}`);
    for (let i = 0; i < 200 && !said().some((l) => l.includes('ERR_BACKPRESSURE')); i++) {
      host.patch({ $set: { blob: `${i % 10}`.repeat(200_000) } }).catch(() => undefined);
      await turn();
    }
    await expect.poll(said, { timeout: 10_000 }).toContainEqual(expect.stringMatching(new RegExp(`^warn peer: peer ${id}: ERR_BACKPRESSURE: peer is not reading`)));
    await expect.poll(said, { timeout: 10_000 }).toContainEqual(expect.stringMatching(new RegExp(`^info leave: peer ${id} left: ERR_BACKPRESSURE: `)));
    const leave = lines.find((l) => l.fields.event === 'leave');
    expect(leave?.fields).toMatchObject({ peer: host.id, other: id, code: 'ERR_BACKPRESSURE' });
  }, 60_000);
});
