import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemSync } from '../../../src/index.js';
import { StorageError } from '../../../src/errors.js';
import { encodeEntries } from '../../../src/protocol/compact.js';
import { COMPACT_BATCH, compactBatchPayload } from '../../../src/storage/compact-record.js';
import { LmdbStorage } from '../../../src/storage/lmdb-storage.js';
import type { SentFrame } from '../../../src/storage/types.js';
import { encodeSyncMark, encodeWalRecord, scanWalRecords } from '../../../src/storage/wal-record.js';
import { createLoopbackTransport } from '../../../src/transport/loopback.js';
import type { OrderedPatch } from '../../../src/types.js';
import { emptySnapshot, incEntry } from './entries.js';

let dir: string;
const open: Array<{ close(): Promise<void> } | { stop(): Promise<void> }> = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'memsync-wal5-'));
});
afterEach(async () => {
  vi.restoreAllMocks();
  for (const o of open.splice(0).reverse()) await ('stop' in o ? o.stop() : o.close());
  rmSync(dir, { recursive: true, force: true });
});

function store(sync: 'always' | 'interval' | 'none' = 'interval'): LmdbStorage {
  const s = new LmdbStorage(dir, sync);
  open.push(s);
  return s;
}
const segments = (): string[] => readdirSync(dir).filter((f) => f.startsWith('wal-')).sort();
/** The batch payloads (sync marks left out) of a segment. */
const batchesOf = (name: string): Buffer[] => scanWalRecords(readFileSync(join(dir, name))).payloads.map((p) => Buffer.from(p));
const headerVersion = async (): Promise<unknown> => {
  const { open: openLmdb } = await import('lmdb');
  const env = openLmdb({ path: dir, maxDbs: 4 });
  const header = env.openDB({ name: 'meta', encoding: 'json', useVersions: true }).get('header') as { version: number };
  await env.close();
  return header.version;
};
/** A store with a snapshot and nothing logged, closed: the name of its live segment. */
const emptyStore = async (): Promise<string> => {
  const s = store();
  await s.load({ mesh: 'm', epoch: 1 });
  await s.snapshot(emptySnapshot());
  await s.close();
  return segments().at(-1)!;
};
/** Rewrites the store's header as an older build of `version` wrote it. */
const setHeaderVersion = async (version: number): Promise<void> => {
  const { open: openLmdb } = await import('lmdb');
  const env = openLmdb({ path: dir, maxDbs: 4 });
  await env.openDB({ name: 'meta', encoding: 'json', useVersions: true }).put('header', { format: 'memsync-store', version, mesh: 'm' });
  await env.close();
};
const frameOf = (entries: OrderedPatch[], ack = false): SentFrame => encodeEntries(entries[0]!.epoch, entries, ack, 1 << 20);

describe('formats 5 and 6: the log keeps a batch as its compact frame bytes', () => {
  it('a record is the sent frame itself when it holds exactly the batch; otherwise the store encodes one', async () => {
    const s = store();
    await s.load({ mesh: 'm', epoch: 1 });
    await s.snapshot(emptySnapshot());
    const first = [incEntry(1), incEntry(2)];
    const sent = frameOf(first, true);
    expect(s.appendNow(first, sent)).toBe(true);
    // A frame that is not of these entries is not taken for them.
    const second = [incEntry(3), incEntry(4)];
    expect(s.appendNow(second, frameOf([incEntry(3)]))).toBe(true);
    await s.append([incEntry(5)]);
    await s.close();
    const payloads = batchesOf(segments().at(-1)!);
    expect(payloads[0]).toEqual(compactBatchPayload(sent.body));
    expect(payloads.map((p) => p[0])).toEqual([COMPACT_BATCH, COMPACT_BATCH, COMPACT_BATCH]);
    const { state } = await store().load({ mesh: 'm', epoch: 2 });
    expect(state?.entries).toEqual([1, 2, 3, 4, 5].map((v) => incEntry(v)));
  });

  it('a format 4 store (JSON batches) is read, and written as format 7 from then on', async () => {
    const name = await emptyStore();
    // What a format 4 host left: JSON batch records and a sync mark in its live segment.
    const batches = [[incEntry(1), incEntry(2)], [incEntry(3)]];
    const records = batches.map((b) => encodeWalRecord(Buffer.from(JSON.stringify(b))));
    const bytes = Buffer.concat(records);
    writeFileSync(join(dir, name), Buffer.concat([bytes, encodeSyncMark(bytes.length)]));
    await setHeaderVersion(4);
    const next = store('always');
    const { epoch, state } = await next.load({ mesh: 'm', epoch: 1 });
    expect(state?.entries).toEqual([1, 2, 3].map((v) => incEntry(v)));
    await next.append([incEntry(4, epoch), incEntry(5, epoch)]);
    await next.close();
    expect(await headerVersion()).toBe(7);
    expect(batchesOf(name).map((p) => p[0])).toEqual([0x5b, 0x5b]);
    expect(batchesOf(segments().at(-1)!).map((p) => p[0])).toEqual([COMPACT_BATCH]);
    const { state: again } = await store().load({ mesh: 'm', epoch: 1 });
    expect(again?.entries.map((e) => [e.version, e.epoch])).toEqual([[1, 1], [2, 1], [3, 1], [4, epoch], [5, epoch]]);
  });

  it('a format 5 store (updates as objects in its frames) is read, and written as format 7 from then on', async () => {
    const name = await emptyStore();
    // Protocol 9's frames as a format 5 host kept them: the same numbers, each body an object.
    const lean = compactBatchPayload(frameOf([incEntry(1), incEntry(2)]).body);
    const jsonAt = lean.indexOf(0x5b);
    expect(lean.subarray(jsonAt).toString()).toBe('[["w"],[["$inc","n",1],0]]');
    const old = Buffer.concat([lean.subarray(0, jsonAt), Buffer.from('[["w"],[{"$inc":{"n":1}},{"$inc":{"n":1}}]]')]);
    writeFileSync(join(dir, name), encodeWalRecord(old));
    await setHeaderVersion(5);
    const next = store();
    const { epoch, state } = await next.load({ mesh: 'm', epoch: 1 });
    expect(state?.entries).toEqual([1, 2].map((v) => incEntry(v)));
    await next.append([incEntry(3, epoch)]);
    await next.close();
    expect(await headerVersion()).toBe(7);
    const { state: again } = await store().load({ mesh: 'm', epoch: 1 });
    expect(again?.entries.map((e) => [e.version, e.patch.update])).toEqual([1, 2, 3].map((v) => [v, { $inc: { n: 1 } }]));
  });

  it('a format 6 store (each one-path body written out, no repeats) is read, and written as format 7 from then on', async () => {
    const name = await emptyStore();
    const lean = compactBatchPayload(frameOf([incEntry(1), incEntry(2)]).body);
    const jsonAt = lean.indexOf(0x5b);
    const old = Buffer.concat([lean.subarray(0, jsonAt), Buffer.from('[["w"],[["$inc","n",1],["$inc","n",1]]]')]);
    writeFileSync(join(dir, name), encodeWalRecord(old));
    await setHeaderVersion(6);
    const next = store();
    const { epoch, state } = await next.load({ mesh: 'm', epoch: 1 });
    expect(state?.entries).toEqual([1, 2].map((v) => incEntry(v)));
    await next.append([incEntry(3, epoch), incEntry(4, epoch)]);
    await next.close();
    expect(await headerVersion()).toBe(7);
    expect(batchesOf(segments().at(-1)!).map((p) => p.subarray(p.indexOf(0x5b)).toString())).toContain('[["w"],[["$inc","n",1],0]]');
    const { state: again } = await store().load({ mesh: 'm', epoch: 1 });
    expect(again?.entries.map((e) => [e.version, e.patch.update])).toEqual([1, 2, 3, 4].map((v) => [v, { $inc: { n: 1 } }]));
  });

  it('a hostile compact record (checksums right, content not a batch) is refused, naming the file', async () => {
    const s = store();
    await s.load({ mesh: 'm', epoch: 1 });
    await s.snapshot(emptySnapshot());
    await s.close();
    const name = segments().at(-1)!;
    const good = compactBatchPayload(frameOf([incEntry(1)]).body);
    const jsonAt = good.indexOf(0x5b);
    // The same numbers, a JSON part claiming a peer the table lacks.
    const hostile = Buffer.concat([good.subarray(0, jsonAt), Buffer.from('[[],[{"$inc":{"n":1}}]]')]);
    writeFileSync(join(dir, name), Buffer.concat([encodeWalRecord(good), encodeWalRecord(hostile)]));
    const error = await store().load({ mesh: 'm', epoch: 2 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe('ERR_STORAGE_CORRUPT');
    expect((error as StorageError).file).toBe(join(dir, name));
    expect((error as StorageError).message).toMatch(/record 1 is not a batch of entries/);
  });

  it('the host stores each batch as the frame it sends its members (and encodes one when it has none)', async () => {
    const appendNow = vi.spyOn(LmdbStorage.prototype, 'appendNow');
    const transport = createLoopbackTransport();
    const member = (storage: LmdbStorage | { path: string; sync: 'interval' }): MemSync => {
      const mem = new MemSync('frames', { n: 0 } as never, { transport, path: '/loopback/frames', gatherMs: 30, storage });
      open.push(mem);
      return mem;
    };
    const host = member(new LmdbStorage(dir, 'interval'));
    expect(await host.start()).toBe('host');
    await host.patch({ $inc: { n: 1 } }); // alone: no frame
    const client = member({ path: dir, sync: 'interval' });
    expect(await client.start()).toBe('client');
    for (let i = 0; i < 3; i++) await client.patch({ $inc: { n: 1 } });
    await host.flush();
    const frames = appendNow.mock.calls.map(([, sent]) => sent).filter((sent): sent is SentFrame => sent !== undefined);
    expect(frames.length).toBeGreaterThanOrEqual(3);
    const payloads = segments().flatMap(batchesOf);
    for (const sent of frames) expect(payloads).toContainEqual(compactBatchPayload(sent.body));
    expect(payloads.every((p) => p[0] === COMPACT_BATCH)).toBe(true);
    await Promise.all([client.stop(), host.stop()]);
    const { state } = await store().load({ mesh: 'frames', epoch: 99 });
    expect(state ? state.snapshot.version + state.entries.length : 0).toBe(4);
  });
});
