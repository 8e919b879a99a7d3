import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LmdbStorage, SYNC_INTERVAL_MS } from '../../../src/storage/lmdb-storage.js';
import { emptySnapshot, incEntry } from './entries.js';

let dir: string;
let store: LmdbStorage | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'memsync-interval-'));
});
afterEach(async () => {
  await store?.close();
  store = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function opened(sync: 'interval' | 'none'): Promise<LmdbStorage> {
  store = new LmdbStorage(dir, sync);
  await store.load({ mesh: 'm', epoch: 1 });
  await store.snapshot(emptySnapshot());
  return store;
}

describe("LmdbStorage sync 'interval'", () => {
  it('fsyncs about once a second while commits go on, not once per commit', async () => {
    const s = await opened('interval');
    const began = Date.now();
    let version = 0;
    // Commits for 2.5 intervals; each append resolves on its commit (written to the OS).
    while (Date.now() - began < 2.5 * SYNC_INTERVAL_MS) {
      await s.append([incEntry(++version), incEntry(++version)]);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const commits = version / 2;
    expect(commits).toBeGreaterThan(50);
    // One fsync per commit would be `commits`; one per interval is 2 (3 if the timer ran late
    // and the last commits armed it again early): at least one, at most a handful.
    expect(s.syncCount).toBeGreaterThanOrEqual(1);
    expect(s.syncCount).toBeLessThanOrEqual(4);
    await s.close();
    const reread = new LmdbStorage(dir, 'interval');
    store = reread;
    const { state } = await reread.load({ mesh: 'm', epoch: 2 });
    expect(state?.entries.length).toBe(version);
  });

  it('does the pending fsync when closed (it never waits out the interval)', async () => {
    const s = await opened('interval');
    await s.append([incEntry(1)]);
    expect(s.syncCount).toBe(0);
    await s.close();
    expect(s.syncCount).toBe(1);
  });

  it("'none' never fsyncs by itself; flush() does in any mode", async () => {
    const s = await opened('none');
    await s.append([incEntry(1)]);
    await s.close();
    expect(s.syncCount).toBe(0);
    const again = await opened('none');
    await again.append([incEntry(1)]);
    await again.flush();
    expect(again.syncCount).toBe(1);
  });
});
