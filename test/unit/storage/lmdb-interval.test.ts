import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LmdbStorage } from '../../../src/storage/lmdb-storage.js';
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

async function opened(sync: 'always' | 'interval' | 'none'): Promise<LmdbStorage> {
  store = new LmdbStorage(dir, sync);
  await store.load({ mesh: 'm', epoch: 1 });
  await store.snapshot(emptySnapshot());
  return store;
}

describe('LmdbStorage sync modes and the log', () => {
  it("'interval' acknowledges once written, fsyncs the log once a second, and keeps every acknowledged entry", async () => {
    const s = await opened('interval');
    const before = s.syncCount;
    let version = 0;
    for (let i = 0; i < 50; i++) await s.append([incEntry(++version), incEntry(++version)]);
    // No fsync on the way to the acknowledgement...
    expect(s.syncCount).toBe(before);
    // ...and one from the timer within about a second (bounded wait).
    await vi.waitFor(() => expect(s.syncCount).toBe(before + 1), { timeout: 5000, interval: 50 });
    await s.close();
    const reread = new LmdbStorage(dir, 'interval');
    store = reread;
    const { state } = await reread.load({ mesh: 'm', epoch: 2 });
    expect(state?.entries.length).toBe(version);
  });

  it("'always' resolves each append after an fsync that covers it; appends in flight together share one", async () => {
    const s = await opened('always');
    const before = s.syncCount;
    await s.append([incEntry(1)]);
    expect(s.syncCount).toBe(before + 1);
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.append([incEntry(i + 2)])));
    // The first starts an fsync; the other 19 wait for it and share the next one.
    expect(s.syncCount - before - 1).toBeLessThanOrEqual(2);
  });

  it("'none' never fsyncs by itself; flush() does in any mode", async () => {
    const s = await opened('none');
    const before = s.syncCount;
    await s.append([incEntry(1)]);
    expect(s.syncCount).toBe(before);
    await s.flush();
    expect(s.syncCount).toBeGreaterThan(before);
  });
});
