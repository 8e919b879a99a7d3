/**
 * A socket directory that becomes unsafe after start (someone loosened its mode): the next
 * election refuses it with ERR_UNSAFE_PATH — once, not every 50 ms forever — keeps retrying
 * less and less often, and recovers by itself once the directory is safe again.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemSync, type MemSyncError } from '../../../src/index.js';
import { until } from '../../support/cluster.js';

describe('a socket directory made unsafe while the mesh runs', () => {
  const made: MemSync<{ n: number }>[] = [];
  let dir = '';
  afterEach(async () => {
    if (dir) chmodSync(dir, 0o700);
    await Promise.all(made.splice(0).map((m) => m.stop()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is reported once while it stays unsafe, and the mesh recovers once it is fixed', { timeout: 60_000 }, async () => {
    dir = mkdtempSync(join(tmpdir(), 'memsync-unsafe-later-'));
    chmodSync(dir, 0o700);
    const host = new MemSync('m', { n: 0 }, { dir, gatherMs: 20 });
    const survivor = new MemSync('m', { n: 0 }, { dir, gatherMs: 20 });
    made.push(host, survivor);
    await host.start();
    await survivor.start();
    const errors: MemSyncError[] = [];
    survivor.on('error', (e) => errors.push(e));
    chmodSync(dir, 0o777);
    await host.stop();
    await until(() => errors.some((e) => e.code === 'ERR_UNSAFE_PATH'), 20_000, 'ERR_UNSAFE_PATH reported');
    // At the old pace this would be some 40 more reports.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(errors.filter((e) => e.code === 'ERR_UNSAFE_PATH')).toHaveLength(1);
    expect(errors[0]?.message).toMatch(/mode|writable|others/i);
    chmodSync(dir, 0o700);
    await until(() => survivor.role === 'host', 20_000, 'host again once the directory is safe');
    await survivor.patch({ $inc: { n: 1 } });
    expect(survivor.data.n).toBe(1);
  });
});
