import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageError } from '../../../src/errors.js';
import { LmdbStorage } from '../../../src/storage/lmdb-storage.js';
import { HEAD_BYTES, SECTOR_BYTES } from '../../../src/storage/wal-record.js';
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

/** Offsets of the records of a whole segment. */
function recordStarts(bytes: Buffer): number[] {
  const starts: number[] = [];
  for (let at = 0; at < bytes.length; at += HEAD_BYTES + bytes.readUInt32BE(at)) starts.push(at);
  return starts;
}

/** Offsets of the batch records of a whole segment (sync marks left out). */
function batchStarts(bytes: Buffer): number[] {
  return recordStarts(bytes).filter((at) => bytes[at + HEAD_BYTES] !== 0x7b);
}

/** Loads the store expecting `ERR_STORAGE_CORRUPT` naming `file`; returns the error. */
async function refused(file: string): Promise<StorageError> {
  const error = await store().load({ mesh: 'm', epoch: 5 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StorageError);
  expect((error as StorageError).code).toBe('ERR_STORAGE_CORRUPT');
  expect((error as StorageError).file).toBe(file);
  return error as StorageError;
}

describe('LmdbStorage log segments', () => {
  it('cuts a torn tail (a record cut short) to the last whole batch, and reports it', async () => {
    const name = await written(4);
    const file = join(dir, name);
    // The segment ends with the last batch, then the sync mark written after its fsync.
    truncateSync(file, recordStarts(readFileSync(file)).at(-1)! - 5);
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
    await refused(file);
    // Refused, not repaired: the file is as it was.
    expect(readFileSync(file)).toEqual(bytes);
  });

  it("zeros over the log's unsynced bytes with whole records after them (pages written back out of order) are cut at the hole and reported", async () => {
    // sync 'none': nothing was fsynced, so no sync mark vouches for any byte.
    const s = new LmdbStorage(dir, 'none');
    open.push(s);
    await s.load({ mesh: 'm', epoch: 1 });
    await s.snapshot(emptySnapshot());
    for (let b = 0; b < 12; b++) await s.append([incEntry(3 * b + 1), incEntry(3 * b + 2), incEntry(3 * b + 3)]);
    await s.close();
    const name = segments().at(-1)!;
    const file = join(dir, name);
    const bytes = readFileSync(file);
    const starts = batchStarts(bytes);
    expect(starts).toHaveLength(12);
    // From inside batch 2 up to the first sector boundary (a page last written back when the
    // file ended there), with whole batches after it.
    expect(starts.at(-1)!).toBeGreaterThan(SECTOR_BYTES);
    bytes.fill(0, starts[1]! + 20, SECTOR_BYTES);
    writeFileSync(file, bytes);
    const { state, repaired } = await store().load({ mesh: 'm', epoch: 5 });
    expect(state?.entries.map((e) => e.version)).toEqual([1, 2, 3]);
    expect(repaired).toMatch(new RegExp(`${name}: zeros at byte ${starts[1]} with records after them`));
  });

  it('zeros in bytes a sync mark shows were fsynced (a disk that lost a synced write) are refused, naming the file', async () => {
    const name = await written(12); // 'always': a sync mark after every batch
    const file = join(dir, name);
    const bytes = readFileSync(file);
    const starts = batchStarts(bytes);
    expect(starts.at(-1)!).toBeGreaterThan(SECTOR_BYTES);
    bytes.fill(0, starts[1]! + 20, SECTOR_BYTES);
    writeFileSync(file, bytes);
    const error = await refused(file);
    expect(error.message).toMatch(/sync mark/);
    expect(readFileSync(file)).toEqual(bytes);
  });

  it('a store from before sync marks (format 3): zeros with records after them are still refused', async () => {
    const name = await written(12);
    const { open: openLmdb } = await import('lmdb');
    const env = openLmdb({ path: dir, maxDbs: 4 });
    const meta = env.openDB({ name: 'meta', encoding: 'json', useVersions: true });
    const { marks: _marks, ...wal } = meta.get('wal') as { marks?: number };
    meta.putSync('wal', wal);
    meta.putSync('header', { format: 'memsync-store', version: 3, mesh: 'm' });
    await env.close();
    const file = join(dir, name);
    const bytes = readFileSync(file);
    const starts = batchStarts(bytes);
    bytes.fill(0, starts[1]! + 20, SECTOR_BYTES);
    writeFileSync(file, bytes);
    await expect(store().load({ mesh: 'm', epoch: 5 })).rejects.toMatchObject({ code: 'ERR_STORAGE_CORRUPT', file });
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
