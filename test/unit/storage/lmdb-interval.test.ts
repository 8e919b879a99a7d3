import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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

async function opened(sync: 'interval' | 'none'): Promise<LmdbStorage> {
  store = new LmdbStorage(dir, sync);
  await store.load({ mesh: 'm', epoch: 1 });
  await store.snapshot(emptySnapshot());
  return store;
}

describe("LmdbStorage sync 'interval'", () => {
  it('acknowledges on commit and keeps every acknowledged entry, with no fsync asked by memsync', async () => {
    const s = await opened('interval');
    let version = 0;
    for (let i = 0; i < 50; i++) await s.append([incEntry(++version), incEntry(++version)]);
    // LMDB's overlapping sync fsyncs each commit itself; memsync adds none of its own.
    expect(s.syncCount).toBe(0);
    await s.close();
    const reread = new LmdbStorage(dir, 'interval');
    store = reread;
    const { state } = await reread.load({ mesh: 'm', epoch: 2 });
    expect(state?.entries.length).toBe(version);
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
