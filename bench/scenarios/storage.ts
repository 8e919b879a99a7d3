/**
 * Storage (issue #13): the throughput flow and the round trip with `options.storage` in each
 * sync mode against no storage, measured alternately in the same run; the same flow on
 * redis-server with its append-only file (`appendfsync always` / `everysec`) against Redis
 * without persistence; recovery of a 10 MB document plus 100,000 log entries; disk bytes per
 * MB of document; the longest the host's event loop stalls while it compacts that document
 * (sliced encoding) against the synchronous encoding compaction used before.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { caller, withGroup } from '../lib/child.js';
import { type Figure, makeFigure, valueGoal } from '../lib/figures.js';
import { median, quantile } from '../lib/stats.js';
import { LmdbStorage } from '../../src/storage/lmdb-storage.js';
import { encodeRecord } from '../../src/storage/record-codec.js';
import { Replica } from '../../src/document/index.js';
import type { OrderedPatch } from '../../src/types.js';
import type { MemsyncCommand, MemsyncResults } from '../workers/memsync-commands.js';
import { CHUNK_BYTES, recordsChunk } from '../workers/records.js';
import { type FlowMesh, type FlowResult, withFlowMesh } from './mesh-flow.js';
import type { Scenario, ScenarioContext } from './types.js';

type Mode = 'off' | 'none' | 'interval' | 'always';
const MODES: Mode[] = ['off', 'none', 'interval', 'always'];
const WINDOW = 256;
const GOALS: Partial<Record<Mode, number>> = { interval: 0.8, always: 0.5 };

const storageOf = (mode: Mode) => (mode === 'off' ? undefined : { sync: mode });
/** Redis with no persistence, and with its AOF fsynced at every write / once a second. */
type Aof = 'off' | 'everysec' | 'always';
const AOFS: Aof[] = ['off', 'everysec', 'always'];
/** Entries per ordering batch in the recovery store (the host stores one record per batch). */
const RECOVERY_BATCH = 100;

/** One flow mesh per variant, all alive at once so that measured flows can alternate. */
async function withMeshes<R>(
  context: ScenarioContext,
  variants: { key: string; system: 'memsync' | 'redis'; durability: Parameters<typeof withFlowMesh>[3] }[],
  body: (meshes: Map<string, FlowMesh>) => Promise<R>,
  meshes = new Map<string, FlowMesh>(),
): Promise<R> {
  const [first, ...rest] = variants;
  if (!first) return body(meshes);
  return withFlowMesh(context, first.system, (mesh) => withMeshes(context, rest, body, meshes.set(first.key, mesh)), first.durability);
}

function ratioFigure(id: string, label: string, unit: string, runs: number[], baseline: number[], goal?: { bound: number; atLeast: boolean }): Figure {
  const figure = makeFigure(id, label, unit, runs, { baseline, baselineName: 'no storage' });
  if (goal) {
    const ratio = median(runs) / median(baseline);
    figure.goal = { text: `${goal.atLeast ? '>=' : '<='} ${goal.bound}x no storage`, met: goal.atLeast ? ratio >= goal.bound : ratio <= goal.bound };
  }
  return figure;
}

async function roundTrips(context: ScenarioContext, mode: Mode, rounds: number, runs: number): Promise<number[]> {
  return withGroup(`storage-rtt-${mode}`, context.spawn, async (group) => {
    const storage = storageOf(mode);
    const mesh = { name: 'rtt', dir: group.dir, ...(storage ? { storage: { ...storage, path: join(group.dir, 'store') } } : {}) };
    const start = async (label: string, clientOnly: boolean) => {
      const call = caller<MemsyncCommand, MemsyncResults>(await group.spawn(context.workers.memsync, label));
      await call({ cmd: 'start', ...mesh, clientOnly });
      return call;
    };
    await start('host', false);
    const [a, b] = await Promise.all([start('a', true), start('b', true)]);
    await b!({ cmd: 'pong' });
    const p50: number[] = [];
    for (let run = 0; run < runs; run++) {
      const samples = await a!({ cmd: 'ping', rounds, warmup: run === 0 ? rounds : 0 }, 120_000);
      p50.push(quantile(samples, 0.5));
    }
    return p50;
  });
}

/** A store holding a `mb` MB document and `entries` $inc entries after it, written here. */
async function buildStore(path: string, mb: number, entries: number): Promise<{ docBytes: number; syncMs: number; slicedMs: number; parseMs: number }> {
  const state: Record<string, unknown> = { n: 0 };
  const chunks = Math.max(1, Math.round((mb * 1024 * 1024) / CHUNK_BYTES));
  for (let i = 0; i < chunks; i++) state[`c${i}`] = recordsChunk(i);
  const snapshot = new Replica(state as never).snapshot();
  const store = new LmdbStorage(path, 'none');
  const { epoch } = await store.load({ mesh: 'bench', epoch: 1 });
  // Compaction before: the snapshot's record was encoded in one synchronous call.
  let began = performance.now();
  encodeRecord(snapshot);
  const syncMs = performance.now() - began;
  // Now: the longest stall of the event loop while the store encodes and writes it.
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  began = performance.now();
  await store.snapshot(snapshot);
  delay.disable();
  const slicedMs = delay.max / 1e6;
  for (let v = 1; v <= entries; v += RECOVERY_BATCH) {
    const batch: OrderedPatch[] = [];
    for (let i = v; i < v + RECOVERY_BATCH && i <= entries; i++) {
      batch.push({ version: i, epoch, patch: { peer: 'w', seq: i, ts: 1_000_000 + i, update: { $inc: { n: 1 } } } });
    }
    await store.append(batch);
  }
  await store.flush();
  await store.close();
  // The same-run reference for recovery: parsing the document's JSON alone, here.
  const json = JSON.stringify(state);
  const parsing = performance.now();
  JSON.parse(json);
  return { docBytes: json.length, syncMs, slicedMs, parseMs: performance.now() - parsing };
}

async function recovery(context: ScenarioContext, runs: number): Promise<Figure[]> {
  return withGroup('storage-recovery', context.spawn, async (group) => {
    const path = join(group.dir, 'store');
    // The figure in both modes: building it takes a few seconds, each restart about one.
    const entries = 100_000;
    const { docBytes, syncMs, slicedMs, parseMs } = await buildStore(path, 10, entries);
    // The LMDB file and the log's segment files (format 3 keeps the entries in the latter).
    const diskBytes = readdirSync(path)
      .filter((f) => f === 'data.mdb' || f.startsWith('wal-'))
      .reduce((sum, f) => sum + statSync(join(path, f)).size, 0);
    const times: number[] = [];
    for (let run = 0; run < runs; run++) {
      const child = await group.spawn(context.workers.memsync, `restart-${run}`);
      const call = caller<MemsyncCommand, MemsyncResults>(child);
      const { ms } = await call({ cmd: 'start', name: 'bench', dir: group.dir, gatherMs: 1, storage: { path, sync: 'none' } }, 60_000);
      times.push(ms);
      await call({ cmd: 'stop' });
    }
    const mb = docBytes / (1024 * 1024);
    const figure = makeFigure('storage.recovery', `start() to synced: ${mb.toFixed(1)} MB document + ${entries.toLocaleString('en-US')} log entries (batches of ${RECOVERY_BATCH})`, 'ms', times, {
      baseline: [parseMs],
      baselineName: 'JSON.parse of the document alone',
    });
    figure.goal = valueGoal(median(times), 1000, 'atMost', 'ms');
    return [
      figure,
      makeFigure('storage.disk', `data.mdb + log segment bytes per MB of document (with the ${entries.toLocaleString('en-US')} entries)`, 'bytes/MB', [diskBytes / mb]),
      makeFigure('storage.compaction.pause', `compaction of the ${mb.toFixed(1)} MB document: longest event-loop stall`, 'ms', [slicedMs], {
        baseline: [syncMs],
        baselineName: 'synchronous encoding (compaction before)',
      }),
    ];
  });
}

export const storage: Scenario = {
  id: 'storage',
  title: 'Storage: sync modes against no storage; recovery',
  async run(context) {
    const seconds = context.quick ? 0.5 : 2;
    const variants = [
      ...MODES.map((mode) => ({ key: mode, system: 'memsync' as const, durability: { storage: storageOf(mode) } })),
      ...(context.redis ? AOFS.map((aof) => ({ key: `redis-${aof}`, system: 'redis' as const, durability: aof === 'off' ? {} : { appendfsync: aof } })) : []),
    ];
    const flows = new Map<string, number[]>();
    await withMeshes(context, variants, async (meshes) => {
      const sizes = new Map<string, number>();
      for (const [key, mesh] of meshes) {
        // memsync: host, writer, reader; Redis: writer and reader around redis-server.
        await mesh.grow(key.startsWith('redis') ? 2 : 3);
        sizes.set(key, await mesh.warmUp(seconds, WINDOW));
        flows.set(key, []);
      }
      // Alternating: a drift in the machine's load falls on every variant alike.
      for (let run = 0; run < context.runs; run++) {
        for (const [key, mesh] of meshes) {
          const result: FlowResult = await mesh.measure(sizes.get(key)!, WINDOW);
          flows.get(key)!.push(result.clients[0]!);
        }
      }
    });
    for (const [key, runs] of flows) context.log(`storage throughput ${key}: ${runs.map((r) => r.toFixed(0)).join(', ')} patches/s`);
    const rates: Record<Mode, number[]> = { off: flows.get('off')!, none: flows.get('none')!, interval: flows.get('interval')!, always: flows.get('always')! };
    const rounds = context.quick ? 200 : 1000;
    const rtt: Record<Mode, number[]> = { off: [], none: [], interval: [], always: [] };
    for (const mode of MODES) rtt[mode] = await roundTrips(context, mode, rounds, context.runs);
    const figures: Figure[] = [];
    for (const mode of MODES.slice(1)) {
      const bound = GOALS[mode];
      figures.push(
        ratioFigure(`storage.throughput.${mode}`, `throughput, sync '${mode}' (writer -> host -> reader, ${WINDOW} in flight)`, 'patches/s', rates[mode], rates.off, bound ? { bound, atLeast: true } : undefined),
      );
    }
    for (const mode of MODES.slice(1)) {
      figures.push(ratioFigure(`storage.rtt.${mode}`, `round trip p50, sync '${mode}'`, 'us', rtt[mode], rtt.off));
    }
    if (context.redis) {
      const redisOff = flows.get('redis-off')!;
      for (const aof of ['everysec', 'always'] as const) {
        figures.push(
          makeFigure(`storage.redis.${aof}`, `Redis AOF appendfsync ${aof}: same flow (HINCRBY+PUBLISH script)`, 'patches/s', flows.get(`redis-${aof}`)!, {
            baseline: redisOff,
            baselineName: 'Redis without persistence',
          }),
        );
      }
      for (const [mode, aof] of [['interval', 'everysec'], ['always', 'always']] as const) {
        figures.push(
          makeFigure(`storage.vs-redis.${mode}`, `memsync sync '${mode}' against Redis AOF appendfsync ${aof}`, 'patches/s', rates[mode], {
            baseline: flows.get(`redis-${aof}`)!,
            baselineName: `Redis appendfsync ${aof}`,
          }),
        );
      }
    }
    figures.push(...(await recovery(context, context.runs)));
    return {
      figures,
      reading:
        "Ratios are to the same flow without storage in the same run. The host writes each " +
        "ordering batch as one record of its append-only log (write(2)) and checks it still owns the store; " +
        "'interval' acknowledges then and fdatasyncs once a second, 'always' holds the batch's broadcast " +
        'until an fdatasync that covers it (one covers every batch written while the previous ran), ' +
        'so it adds latency per round trip rather than cutting throughput. ' +
        "Redis rows: redis-server with appendonly yes and the given appendfsync, same writer -> server -> reader flow, same run. " +
        'Recovery reads the LMDB snapshot and the log segments (one record per batch, the worst case: none folded), checks every record and replays the entries. ' +
        'Compaction encodes the snapshot in slices of the event loop (4 ms); the baseline is the one synchronous encoding it replaced. ' +
        'Figures on this shared 2-core machine move a lot between runs.',
    };
  },
};
