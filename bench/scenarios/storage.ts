/**
 * Storage (issue #13): the throughput flow and the round trip with `options.storage` in each
 * sync mode against no storage, in the same run; recovery of a 10 MB document plus 100,000
 * log entries; disk bytes per MB of document; the synchronous pause a compaction snapshot
 * of that document costs the host's event loop.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { caller, withGroup } from '../lib/child.js';
import { type Figure, makeFigure, valueGoal } from '../lib/figures.js';
import { median, quantile } from '../lib/stats.js';
import { LmdbStorage } from '../../src/storage/lmdb-storage.js';
import { Replica } from '../../src/document/index.js';
import type { OrderedPatch } from '../../src/types.js';
import type { MemsyncCommand, MemsyncResults } from '../workers/memsync-commands.js';
import { CHUNK_BYTES, recordsChunk } from '../workers/records.js';
import { type FlowResult, withFlowMesh } from './mesh-flow.js';
import type { Scenario, ScenarioContext } from './types.js';

type Mode = 'off' | 'none' | 'interval' | 'always';
const MODES: Mode[] = ['off', 'none', 'interval', 'always'];
const WINDOW = 256;
const GOALS: Partial<Record<Mode, number>> = { interval: 0.8, always: 0.5 };

const storageOf = (mode: Mode) => (mode === 'off' ? undefined : { sync: mode });

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
async function buildStore(path: string, mb: number, entries: number): Promise<{ docBytes: number; pauseMs: number; parseMs: number }> {
  const state: Record<string, unknown> = { n: 0 };
  const chunks = Math.max(1, Math.round((mb * 1024 * 1024) / CHUNK_BYTES));
  for (let i = 0; i < chunks; i++) state[`c${i}`] = recordsChunk(i);
  const snapshot = new Replica(state as never).snapshot();
  const store = new LmdbStorage(path, 'none');
  const { epoch } = await store.load({ mesh: 'bench', epoch: 1 });
  // What a compaction costs the host's event loop: the snapshot's encoding is synchronous.
  const began = performance.now();
  const written = store.snapshot(snapshot);
  const pauseMs = performance.now() - began;
  await written;
  for (let v = 1; v <= entries; v += 1000) {
    const batch: OrderedPatch[] = [];
    for (let i = v; i < v + 1000 && i <= entries; i++) {
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
  return { docBytes: json.length, pauseMs, parseMs: performance.now() - parsing };
}

async function recovery(context: ScenarioContext, runs: number): Promise<Figure[]> {
  return withGroup('storage-recovery', context.spawn, async (group) => {
    const path = join(group.dir, 'store');
    const entries = context.quick ? 20_000 : 100_000;
    const { docBytes, pauseMs, parseMs } = await buildStore(path, 10, entries);
    const diskBytes = statSync(join(path, 'data.mdb')).size;
    const times: number[] = [];
    for (let run = 0; run < runs; run++) {
      const child = await group.spawn(context.workers.memsync, `restart-${run}`);
      const call = caller<MemsyncCommand, MemsyncResults>(child);
      const { ms } = await call({ cmd: 'start', name: 'bench', dir: group.dir, gatherMs: 1, storage: { path, sync: 'none' } }, 60_000);
      times.push(ms);
      await call({ cmd: 'stop' });
    }
    const mb = docBytes / (1024 * 1024);
    const figure = makeFigure('storage.recovery', `start() to synced: ${mb.toFixed(1)} MB document + ${entries.toLocaleString('en-US')} log entries`, 'ms', times, {
      baseline: [parseMs],
      baselineName: 'JSON.parse of the document alone',
    });
    figure.goal = valueGoal(median(times), 1000, 'atMost', 'ms');
    return [
      figure,
      makeFigure('storage.disk', `data.mdb bytes per MB of document (with the ${entries.toLocaleString('en-US')} entries)`, 'bytes/MB', [diskBytes / mb]),
      makeFigure('storage.compaction.pause', `compaction: synchronous pause to snapshot the ${mb.toFixed(1)} MB document`, 'ms', [pauseMs]),
    ];
  });
}

export const storage: Scenario = {
  id: 'storage',
  title: 'Storage: sync modes against no storage; recovery',
  async run(context) {
    const seconds = context.quick ? 0.5 : 2;
    const rates: Record<Mode, number[]> = { off: [], none: [], interval: [], always: [] };
    for (const mode of MODES) {
      await withFlowMesh(context, 'memsync', async (mesh) => {
        await mesh.grow(3);
        const patches = await mesh.warmUp(seconds, WINDOW);
        const results: FlowResult[] = [];
        for (let run = 0; run < context.runs; run++) results.push(await mesh.measure(patches, WINDOW));
        rates[mode] = results.map((r) => r.clients[0]!);
      }, storageOf(mode));
      context.log(`storage throughput ${mode}: ${rates[mode].map((r) => r.toFixed(0)).join(', ')} patches/s`);
    }
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
    figures.push(...(await recovery(context, context.runs)));
    return {
      figures,
      reading:
        "Ratios are to the same flow without storage in the same run. The host encodes each " +
        "ordering batch and hands it to LMDB's write thread; 'always' holds the batch's " +
        'broadcast until the fsync that covers it (lmdb-js overlapping sync: the next batches ' +
        'commit meanwhile), so it adds latency per round trip rather than cutting throughput. ' +
        'Recovery reads the snapshot and the log, checks every record and replays the entries. ' +
        'Figures on this shared 2-core machine move a lot between runs.',
    };
  },
};
