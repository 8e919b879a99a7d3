import { mkdtempSync, openSync, rmSync, statSync, truncateSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageError } from '../../../src/errors.js';
import { LmdbStorage } from '../../../src/storage/lmdb-storage.js';
import { emptySnapshot, incEntry } from './entries.js';

let dir: string;
const open: LmdbStorage[] = [];
function store(sync: 'always' | 'interval' | 'none' = 'always'): LmdbStorage {
  const s = new LmdbStorage(dir, sync);
  open.push(s);
  return s;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'memsync-lmdb-'));
});
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

async function seeded(entries: number): Promise<void> {
  const s = store();
  const { state } = await s.load({ mesh: 'm', epoch: 5 });
  expect(state).toBeUndefined();
  await s.snapshot(emptySnapshot());
  for (let v = 1; v <= entries; v += 10) {
    await s.append(Array.from({ length: Math.min(10, entries - v + 1) }, (_, i) => incEntry(v + i)));
  }
  await s.close();
}

async function refusal(s: LmdbStorage, mesh = 'm'): Promise<StorageError> {
  const error = await s.load({ mesh, epoch: 9 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StorageError);
  return error as StorageError;
}

describe('LmdbStorage', () => {
  it('stores a snapshot and entries, and loads them back in every sync mode', async () => {
    for (const sync of ['always', 'interval', 'none'] as const) {
      rmSync(dir, { recursive: true, force: true });
      const s = store(sync);
      await s.load({ mesh: 'm', epoch: 3 });
      await s.snapshot(emptySnapshot());
      await s.append([incEntry(1), incEntry(2)]);
      await s.append([incEntry(3)]);
      await s.flush();
      await s.close();
      const again = store(sync);
      const { epoch, state } = await again.load({ mesh: 'm', epoch: 2 });
      expect(epoch).toBe(4); // above the 3 that claimed it before, though 2 was asked
      expect(state?.snapshot.version).toBe(0);
      expect(state?.entries.map((e) => e.version)).toEqual([1, 2, 3]);
      await again.close();
    }
  });

  it('compaction: a snapshot drops the entries it covers and keeps the later ones', async () => {
    await seeded(30);
    const s = store();
    const { state } = await s.load({ mesh: 'm', epoch: 6 });
    expect(state?.entries).toHaveLength(30);
    await s.snapshot(emptySnapshot(20));
    await s.close();
    const { state: after } = await store().load({ mesh: 'm', epoch: 7 });
    expect(after?.snapshot.version).toBe(20);
    expect(after?.entries.map((e) => e.version)).toEqual(Array.from({ length: 10 }, (_, i) => 21 + i));
  });

  it('compaction keeps a batch that reaches past the snapshot, and reads only its later entries', async () => {
    await seeded(30); // batches end at 10, 20, 30
    const s = store();
    await s.load({ mesh: 'm', epoch: 6 });
    await s.snapshot(emptySnapshot(25));
    await s.close();
    const { state } = await store().load({ mesh: 'm', epoch: 7 });
    expect(state?.snapshot.version).toBe(25);
    expect(state?.entries.map((e) => e.version)).toEqual([26, 27, 28, 29, 30]);
  });

  /** A snapshot of a document wide enough that its encoding takes many turns of the event loop. */
  const wideSnapshot = (version: number) => {
    const snapshot = emptySnapshot(version);
    for (let i = 0; i < 40_000; i++) snapshot.state[`k${i}`] = { a: i, b: [i, 'x'], c: { d: i } };
    return snapshot;
  };

  it('compacts in the background: appends made meanwhile are stored before the snapshot is', async () => {
    await seeded(30);
    const s = store();
    await s.load({ mesh: 'm', epoch: 6 });
    const order: string[] = [];
    const compaction = s.snapshot(wideSnapshot(30)).then(() => order.push('snapshot'));
    await s.append([incEntry(31)]).then(() => order.push('append'));
    await compaction;
    expect(order).toEqual(['append', 'snapshot']);
    await s.close();
    const { state } = await store().load({ mesh: 'm', epoch: 7 });
    expect(state?.snapshot.version).toBe(30);
    expect(state?.entries.map((e) => e.version)).toEqual([31]);
  });

  it('a snapshot beyond the log (a state adopted wholesale) is stored before the appends after it', async () => {
    await seeded(30);
    const s = store();
    await s.load({ mesh: 'm', epoch: 6 });
    const order: string[] = [];
    const adopted = s.snapshot(wideSnapshot(50)).then(() => order.push('snapshot'));
    await s.append([incEntry(51)]).then(() => order.push('append 51'));
    await s.append([incEntry(52)]).then(() => order.push('append 52'));
    await adopted;
    expect(order).toEqual(['snapshot', 'append 51', 'append 52']);
    await s.close();
    const { state } = await store().load({ mesh: 'm', epoch: 7 });
    expect(state?.snapshot.version).toBe(50);
    expect(state?.entries.map((e) => e.version)).toEqual([51, 52]);
  });

  it('a compaction overtaken by a newer snapshot does not put the older state back', async () => {
    await seeded(30);
    const s = store();
    await s.load({ mesh: 'm', epoch: 6 });
    const compaction = s.snapshot(wideSnapshot(30));
    await s.snapshot(emptySnapshot(50)); // adopted wholesale while the compaction encodes
    await s.append([incEntry(51)]);
    await compaction;
    await s.close();
    const { state } = await store().load({ mesh: 'm', epoch: 7 });
    expect(state?.snapshot.version).toBe(50);
    expect(state?.entries.map((e) => e.version)).toEqual([51]);
  });

  it('reads a format 1 store (one key per entry) and writes it as format 7 from then on', async () => {
    const { open: openLmdb } = await import('lmdb');
    const { encodeRecord } = await import('../../../src/storage/record-codec.js');
    const env = openLmdb({ path: dir, maxDbs: 4 });
    const meta = env.openDB({ name: 'meta', encoding: 'json', useVersions: true });
    meta.putSync('header', { format: 'memsync-store', version: 1, mesh: 'm' });
    meta.putSync('owner', { epoch: 4 }, 4);
    env.openDB<Buffer, number>({ name: 'snapshot', encoding: 'binary' }).putSync(0, encodeRecord(emptySnapshot(2)));
    const log = env.openDB<Buffer, number>({ name: 'log', encoding: 'binary' });
    for (const v of [1, 2, 3, 4]) log.putSync(v, encodeRecord(incEntry(v)));
    await env.close();
    const s = store();
    const { epoch, state } = await s.load({ mesh: 'm', epoch: 1 });
    expect(epoch).toBe(5);
    expect(state?.entries.map((e) => e.version)).toEqual([3, 4]);
    await s.append([incEntry(5), incEntry(6)]);
    await s.close();
    const { state: again } = await store().load({ mesh: 'm', epoch: 1 });
    expect(again?.entries.map((e) => e.version)).toEqual([3, 4, 5, 6]);
    const check = openLmdb({ path: dir, maxDbs: 4 });
    expect(check.openDB({ name: 'meta', encoding: 'json', useVersions: true }).get('header')).toMatchObject({ version: 7 });
    await check.close();
  });

  it('fences: once a newer epoch claimed the store, the older holder cannot append', async () => {
    const old = store();
    await old.load({ mesh: 'm', epoch: 10 });
    await old.snapshot(emptySnapshot());
    await old.append([incEntry(1)]);
    const next = store();
    expect((await next.load({ mesh: 'm', epoch: 11 })).epoch).toBe(11);
    const error = await old.append([incEntry(2)]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe('ERR_FENCED');
    await expect(old.snapshot(emptySnapshot(1))).rejects.toMatchObject({ code: 'ERR_FENCED' });
    await next.append([incEntry(2, 11)]);
    await next.close();
    const { state } = await store().load({ mesh: 'm', epoch: 1 });
    expect(state?.entries.map((e) => [e.version, e.epoch])).toEqual([
      [1, 1],
      [2, 11],
    ]);
  });

  it('appendNow writes at once when nothing is to wait for, fences as append does, and declines otherwise', async () => {
    const old = store('interval');
    await old.load({ mesh: 'm', epoch: 10 });
    await old.snapshot(emptySnapshot());
    expect(old.appendNow([incEntry(1, 10)])).toBe(true);
    // 'always' waits for an fsync: not something to do before returning.
    const always = new LmdbStorage(dir, 'always');
    expect(always.appendNow([incEntry(2, 10)])).toBe(false);
    // A newer claim: the next synchronous append throws what append would reject with.
    const next = store();
    expect((await next.load({ mesh: 'm', epoch: 11 })).epoch).toBe(11);
    let error: unknown;
    try {
      old.appendNow([incEntry(2, 10)]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe('ERR_FENCED');
    await next.close();
    const { state } = await store().load({ mesh: 'm', epoch: 12 });
    expect(state?.entries.map((e) => e.version)).toEqual([1]);
  });

  it('appendNow declines while a snapshot the log cannot reach is still being written', async () => {
    const s = store('none');
    await s.load({ mesh: 'm', epoch: 3 });
    await s.snapshot(emptySnapshot());
    expect(s.appendNow([incEntry(1, 3)])).toBe(true);
    // A snapshot ahead of the log (versions 1-5 it lacks): later appends must follow it.
    const ahead = s.snapshot(emptySnapshot(5));
    expect(s.appendNow([incEntry(6, 3)])).toBe(false);
    await ahead;
    expect(s.appendNow([incEntry(6, 3)])).toBe(true);
    await s.close();
    const { state } = await store().load({ mesh: 'm', epoch: 4 });
    expect(state?.snapshot.version).toBe(5);
    expect(state?.entries.map((e) => e.version)).toEqual([6]);
  });

  it('refuses a store of another mesh, naming the file', async () => {
    await seeded(1);
    const error = await refusal(store(), 'other');
    expect(error.code).toBe('ERR_STORAGE_MESH');
    expect(error.file).toBe(join(dir, 'data.mdb'));
    expect(error.message).toContain(join(dir, 'data.mdb'));
  });

  it('refuses a store written by a newer format version', async () => {
    await seeded(1);
    const { open: openLmdb } = await import('lmdb');
    const env = openLmdb({ path: dir, maxDbs: 4 });
    env.openDB({ name: 'meta', encoding: 'json', useVersions: true }).putSync('header', { format: 'memsync-store', version: 8, mesh: 'm' });
    await env.close();
    const error = await refusal(store());
    expect(error.code).toBe('ERR_STORAGE_FORMAT');
    expect(error.message).toMatch(/format version 8/);
  });

  it('refuses a truncated data file instead of crashing on it', async () => {
    await seeded(2000);
    const file = join(dir, 'data.mdb');
    truncateSync(file, Math.floor(statSync(file).size / 2));
    const error = await refusal(store());
    expect(error.code).toBe('ERR_STORAGE_CORRUPT');
    expect(error.message).toMatch(/truncated/);
    truncateSync(file, 0);
    expect((await refusal(store())).message).toMatch(/empty/);
  });

  it('refuses garbage over the meta pages', async () => {
    await seeded(10);
    const fd = openSync(join(dir, 'data.mdb'), 'r+');
    writeSync(fd, Buffer.alloc(8192, 7), 0, 8192, 0);
    closeSync(fd);
    expect((await refusal(store())).code).toBe('ERR_STORAGE_CORRUPT');
  });

  it('refuses a snapshot record whose bytes changed (checksum)', async () => {
    await seeded(3);
    const { open: openLmdb } = await import('lmdb');
    const env = openLmdb({ path: dir, maxDbs: 4 });
    const snap = env.openDB<Buffer, number>({ name: 'snapshot', encoding: 'binary' });
    const bytes = Buffer.from(snap.getBinary(0)!);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 3) ^ 0x01, bytes.length - 3);
    snap.putSync(0, bytes);
    await env.close();
    const error = await refusal(store());
    expect(error.code).toBe('ERR_STORAGE_CORRUPT');
    expect(error.message).toMatch(/snapshot.*checksum/);
  });

  it('refuses, at replay, a snapshot whose state breaks the document rules though its checksum holds', async () => {
    const { encodeRecord } = await import('../../../src/storage/record-codec.js');
    const { replicaFromStore } = await import('../../../src/storage/stored-replica.js');
    // Written as text so that '__proto__' is an own key, as a crafted record would parse.
    const states = ['{"n":1,"a":{"__proto__":{"x":1}}}', `{"n":1,"${'k'.repeat(1100)}":1}`, `{"n":1,"d":${'['.repeat(80)}1${']'.repeat(80)}}`];
    for (const [i, text] of states.entries()) {
      await seeded(2);
      const { open: openLmdb } = await import('lmdb');
      const env = openLmdb({ path: dir, maxDbs: 4 });
      const snapshot = { ...emptySnapshot(), state: JSON.parse(text) as Record<string, unknown> };
      env.openDB<Buffer, number>({ name: 'snapshot', encoding: 'binary' }).putSync(0, encodeRecord(snapshot));
      await env.close();
      const s = store();
      const { state } = await s.load({ mesh: 'm', epoch: 10 + i });
      await s.close();
      let error: unknown;
      try {
        replicaFromStore(state!, {}, s.file);
      } catch (caught) {
        error = caught;
      }
      expect(error, text.slice(0, 40)).toBeInstanceOf(StorageError);
      expect((error as StorageError).code).toBe('ERR_STORAGE_CORRUPT');
      expect((error as StorageError).file).toBe(s.file);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('importJson / exportJson', () => {
  it('imports a JSON file as the state of a new store, exports it back, refuses to import over a store', async () => {
    const { importJson, exportJson } = await import('../../../src/storage/json-io.js');
    const { writeFileSync, readFileSync } = await import('node:fs');
    const source = join(dir, 'initial.json');
    writeFileSync(source, JSON.stringify({ users: { ann: { n: 1 } }, list: [1, 2] }));
    const storage = { path: join(dir, 'store') };
    await importJson(source, storage, 'm');
    const out = join(dir, 'out.json');
    expect(await exportJson(storage, 'm', out)).toEqual({ users: { ann: { n: 1 } }, list: [1, 2] });
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual({ users: { ann: { n: 1 } }, list: [1, 2] });
    await expect(importJson(source, storage, 'm')).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
    writeFileSync(source, JSON.stringify({ bad: { __proto__x: 1, constructor: 2 } }));
    await expect(importJson(source, { path: join(dir, 'other') }, 'm')).rejects.toMatchObject({ code: 'ERR_RESERVED_KEY' });
  });
});
