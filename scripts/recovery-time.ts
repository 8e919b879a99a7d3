/**
 * Recovery time (#13): `node --import tsx scripts/recovery-time.ts [runs] [store-dir]`.
 * Builds (once, when `store-dir` has none) a store holding a ~10 MB document of records and
 * 100,000 `$inc` entries in batches of 100, the bench's recovery store; then, `runs` times,
 * opens a MemSync on it in this process and times `start()` until it resolves (synced, as
 * host). The tree measured is the current directory's src/, so the same script times another
 * checkout: run it from there with the same store directory. A measurement, nothing asserted.
 */
import { mkdtempSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const src = (file: string) => pathToFileURL(join(process.cwd(), file)).href;
const { MemSync } = (await import(src('src/index.ts'))) as typeof import('../src/index.js');
const { Replica } = (await import(src('src/document/index.ts'))) as typeof import('../src/document/index.js');
const { LmdbStorage } = (await import(src('src/storage/lmdb-storage.ts'))) as typeof import('../src/storage/lmdb-storage.js');
const { CHUNK_BYTES, recordsChunk } = (await import(src('bench/workers/records.ts'))) as typeof import('../bench/workers/records.js');

const runs = Number(process.argv[2] ?? 5);
const dir = process.argv[3] ?? mkdtempSync(join(tmpdir(), 'memsync-recovery-'));
const store = join(dir, 'store');

if (!existsSync(store)) {
  mkdirSync(store, { recursive: true });
  const state: Record<string, unknown> = { n: 0 };
  const chunks = Math.round((10 * 1024 * 1024) / CHUNK_BYTES);
  for (let i = 0; i < chunks; i++) state[`c${i}`] = recordsChunk(i);
  const storage = new LmdbStorage(store, 'none');
  const { epoch } = await storage.load({ mesh: 'recovery', epoch: 1 });
  await storage.snapshot(new Replica(state as never).snapshot());
  for (let v = 1; v <= 100_000; v += 100) {
    const batch = [];
    for (let i = v; i < v + 100; i++) batch.push({ version: i, epoch, patch: { peer: 'w', seq: i, ts: 1_000_000 + i, update: { $inc: { n: 1 } } } });
    await storage.append(batch);
  }
  await storage.flush();
  await storage.close();
}

const times: number[] = [];
const cpu: number[] = [];
for (let run = 0; run < runs; run++) {
  const mem = new MemSync('recovery', {}, { path: join(dir, `r${run}.sock`), gatherMs: 1, storage: { path: store, sync: 'none' } });
  const began = performance.now();
  const usage = process.cpuUsage();
  await mem.start();
  times.push(performance.now() - began);
  const used = process.cpuUsage(usage);
  cpu.push((used.user + used.system) / 1000);
  const n = mem.get('n');
  await mem.stop();
  if (n !== 100_000) throw new Error(`recovered n = ${String(n)}`);
}
const sorted = [...times].sort((a, b) => a - b);
console.log(JSON.stringify({ tree: process.cwd(), store: dir, ms: times.map((t) => Math.round(t)), cpuMs: cpu.map((t) => Math.round(t)), median: Math.round(sorted[Math.floor(sorted.length / 2)]!) }));
