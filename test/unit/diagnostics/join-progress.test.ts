/** Join progress: a joiner's snapshot parts on `memsync:snapshot:part`, and the CLI's line drawn from them. */
import diagnosticsChannel from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { progressLine, showJoinProgress } from '../../../src/cli/progress.js';
import { CHANNELS, type SnapshotPartMessage } from '../../../src/diagnostics/index.js';
import { MemSync } from '../../../src/index.js';
import { createLoopbackTransport } from '../../../src/transport/loopback.js';

describe('join progress', () => {
  const open: MemSync[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((m) => m.stop()));
  });

  it('a joiner of a ~0.8 MB state sees its snapshot part by part, and the CLI line counts them', async () => {
    const transport = createLoopbackTransport();
    const options = { transport, path: '/loopback/progress', gatherMs: 20 };
    const big = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, 'x'.repeat(4096)]));
    const host = new MemSync('progress', big, { ...options, id: 'host' });
    open.push(host);
    await host.start();

    const parts: SnapshotPartMessage[] = [];
    const onPart = (message: unknown): void => void parts.push(message as SnapshotPartMessage);
    diagnosticsChannel.subscribe(CHANNELS.snapshotPart, onPart);
    const written: string[] = [];
    const tty = { isTTY: true, write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream;
    const clear = showJoinProgress('joiner', tty);
    try {
      const joiner = new MemSync('progress', {}, { ...options, id: 'joiner', clientOnly: true });
      open.push(joiner);
      await joiner.start();
      expect(joiner.data).toEqual(big);
    } finally {
      clear();
      diagnosticsChannel.unsubscribe(CHANNELS.snapshotPart, onPart);
    }
    const mine = parts.filter((p) => p.peer === 'joiner');
    expect(mine.length).toBeGreaterThan(4);
    expect(mine.map((p) => p.part)).toEqual(mine.map((_, i) => i));
    expect(mine.at(-1)?.last).toBe(true);
    expect(mine.slice(0, -1).every((p) => !p.last)).toBe(true);
    // Bytes of the total: announced on every part, the same total, growing to it in the last.
    const total = mine[0]!.total!;
    expect(total).toBeGreaterThan(800_000);
    expect(total).toBeLessThan(900_000);
    expect(mine.every((p) => p.total === total)).toBe(true);
    const bytes = mine.map((p) => p.bytes!);
    expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
    expect(bytes.at(-1)).toBe(total);
    expect(bytes[0]).toBeLessThan(total / 4);
    expect(written[0]).toMatch(/^\rreceiving the state \[#*-*\] +\d+% \d+\.\d\/0\.8 MB$/);
    expect(written.at(-1)).toBe('\r\x1b[2K'); // cleared once joined
  });

  it('the line is a bar with a total, or counts parts from a host that announces none', () => {
    const part = { peer: 'p', part: 3, entries: 10, last: false };
    expect(progressLine({ ...part, bytes: 1 << 20, total: 4 << 20 })).toBe(
      `receiving the state [${'#'.repeat(8)}${'-'.repeat(22)}]  25% 1.0/4.0 MB`,
    );
    expect(progressLine({ ...part, bytes: 4 << 20, total: 4 << 20 })).toContain(`[${'#'.repeat(30)}] 100% 4.0/4.0 MB`);
    expect(progressLine({ ...part, bytes: undefined, total: undefined })).toBe('receiving the state: 4 parts, ~0.3 MB');
  });
});
