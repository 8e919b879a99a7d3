import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageError } from '../../../src/errors.js';
import { LmdbStorage } from '../../../src/storage/lmdb-storage.js';
import { emptySnapshot, incEntry } from './entries.js';

let dir: string;
const open: LmdbStorage[] = [];
function store(): LmdbStorage {
  const s = new LmdbStorage(dir, 'always');
  open.push(s);
  return s;
}
const segments = (): string[] => readdirSync(dir).filter((f) => f.startsWith('wal-')).sort();

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'memsync-wal-'));
});
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A store of `batches` batches of 3 entries in one segment, closed. Returns the segment's name. */
async function written(batches: number): Promise<string> {
  const s = store();
  await s.load({ mesh: 'm', epoch: 1 });
  await s.snapshot(emptySnapshot());
  for (let b = 0; b < batches; b++) await s.append([incEntry(3 * b + 1), incEntry(3 * b + 2), incEntry(3 * b + 3)]);
  await s.close();
  const [last] = segments().slice(-1);
  return last!;
}

describe('LmdbStorage log segments', () => {
  it('cuts a torn tail (a record cut short) to the last whole batch, and reports it', async () => {
    const name = await written(4);
    const file = join(dir, name);
    truncateSync(file, statSync(file).size - 5);
    const { state, repaired } = await store().load({ mesh: 'm', epoch: 5 });
    expect(state?.entries.map((e) => e.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(repaired).toMatch(new RegExp(`${name}: a record cut short`));
  });

  it('refuses a damaged record with records after it, naming the file, and drops nothing', async () => {
    const name = await written(4);
    const file = join(dir, name);
    const bytes = readFileSync(file);
    bytes[20] = bytes[20]! ^ 0x40; // inside the first record's payload
    writeFileSync(file, bytes);
    const error = await store().load({ mesh: 'm', epoch: 5 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe('ERR_STORAGE_CORRUPT');
    expect((error as StorageError).file).toBe(file);
    // Refused, not repaired: the file is as it was.
    expect(readFileSync(file)).toEqual(bytes);
  });

  it('a host that lost the store: what it wrote after the claim is never counted', async () => {
    const old = store();
    await old.load({ mesh: 'm', epoch: 1 });
    await old.snapshot(emptySnapshot());
    await old.append([incEntry(1)]);
    const next = store();
    const { state } = await next.load({ mesh: 'm', epoch: 2 });
    expect(state?.entries.map((e) => e.version)).toEqual([1]);
    // The old host's write reaches its file, but it is refused before any acknowledgement.
    await expect(old.append([incEntry(2)])).rejects.toMatchObject({ code: 'ERR_FENCED' });
    await next.append([incEntry(2, 2), incEntry(3, 2)]);
    await next.close();
    await old.close();
    const { state: after } = await store().load({ mesh: 'm', epoch: 1 });
    expect(after?.entries.map((e) => [e.version, e.epoch])).toEqual([
      [1, 1],
      [2, 2],
      [3, 2],
    ]);
  });

  it('a sealed segment that lost bytes below its seal is refused', async () => {
    const name = await written(2);
    await (async () => {
      const s = store();
      await s.load({ mesh: 'm', epoch: 3 }); // seals the first host's segment
      await s.close();
    })();
    const file = join(dir, name);
    truncateSync(file, statSync(file).size - 1);
    await expect(store().load({ mesh: 'm', epoch: 4 })).rejects.toMatchObject({ code: 'ERR_STORAGE_CORRUPT', file });
  });

  it('bytes the old host appended past its seal are ignored', async () => {
    const name = await written(2);
    const s = store();
    await s.load({ mesh: 'm', epoch: 3 });
    await s.close();
    appendFileSync(join(dir, name), Buffer.from('garbage written by a host that lost the store'));
    const { state, repaired } = await store().load({ mesh: 'm', epoch: 4 });
    expect(state?.entries).toHaveLength(6);
    expect(repaired).toBeUndefined();
  });

  it('a snapshot folds the log: once it is on disk the segments before it are deleted', async () => {
    await written(3);
    const s = store();
    const { state } = await s.load({ mesh: 'm', epoch: 3 });
    expect(state?.entries).toHaveLength(9);
    await s.append([incEntry(10, 3)]);
    await s.snapshot(emptySnapshot(10));
    expect(segments()).toEqual(['wal-3-1.log']);
    await s.append([incEntry(11, 3)]);
    await s.close();
    const { state: after } = await store().load({ mesh: 'm', epoch: 4 });
    expect(after?.snapshot.version).toBe(10);
    expect(after?.entries.map((e) => e.version)).toEqual([11]);
  });
});
