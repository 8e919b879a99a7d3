/**
 * Mixed, the way applications use shared state: P processes, each doing 95 % reads of random
 * keys of a 10,000-key document and 5 % writes (an `$inc` of a key), one operation at a
 * time, for a fixed time. memsync reads its local replica; a Redis client reads with an HGET
 * round trip and writes with HINCRBY. The relay holds no document: no baseline.
 * Two variants: every write awaited before the next operation, and writes not awaited one
 * by one (up to 256 in flight per process; for Redis, pipelined on its connection; reads are
 * still awaited), every write acknowledged before the clock stops. Besides ops/s, the CPU
 * time per operation of every process of each system (it hardly depends on the machine's load).
 */
import { type Child, caller, type ProcessGroup, withGroup } from '../lib/child.js';
import { type Figure, makeFigure, ratioGoal } from '../lib/figures.js';
import { median } from '../lib/stats.js';
import type { RedisCommand, RedisResults } from '../redis/redis-commands.js';
import { cpuOf, startRedisServer } from '../redis/server.js';
import type { MemsyncCommand, MemsyncResults } from '../workers/memsync-commands.js';
import type { MixedArgs, MixedResult } from '../workers/mixed-loop.js';
import type { Scenario, ScenarioContext } from './types.js';

const SIZES = [2, 4, 8];
export const MIXED_KEYS = 10_000;
const WRITE_SHARE = 0.05;
/** The untimed run before each size's runs, at least. */
const WARM_UP_SECONDS = 2;

type MixedSystem = 'memsync' | 'redis';

/** One run: every process's loop, all started together. */
interface MixedRun {
  opsPerSecond: number;
  readP50: number;
  clockP50: number;
  /** Writes per second, all processes: what every memsync replica applies. */
  writesPerSecond: number;
  /**
   * CPU time per operation, in microseconds: every process of the system while the run
   * lasted (memsync's processes, host included; Redis's clients and redis-server), divided by
   * the operations done. Unlike ops/s it hardly depends on what else the machine runs.
   */
  cpuPerOp: number;
}

/** Starts the processes of one system one at a time; the first fills the document. */
interface Members {
  add(label: string): Promise<(args: MixedArgs, timeoutMs: number) => Promise<MixedResult>>;
  /** CPU time every process of the system has used so far, in microseconds. */
  cpuMicros(): number;
}

/** Pids of the processes started so far, and the CPU they used (/proc). */
function cpuOfAll(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + cpuOf(pid), 0);
}

function memsyncMembers(context: ScenarioContext, group: ProcessGroup): Members {
  const mesh = { name: 'mixed', dir: group.dir };
  let first = true;
  const pids: number[] = [];
  return {
    cpuMicros: () => cpuOfAll(pids),
    async add(label) {
      const child = await group.spawn(context.workers.memsync, label);
      pids.push(child.process.pid!);
      const call = caller<MemsyncCommand, MemsyncResults>(child);
      // Every process is an ordinary member (electable), as an application's would be.
      await call({ cmd: 'start', ...mesh });
      if (first) await call({ cmd: 'fillKeys', keys: MIXED_KEYS });
      first = false;
      return (args, timeoutMs) => call({ cmd: 'mixed', ...args }, timeoutMs);
    },
  };
}

async function redisMembers(context: ScenarioContext, group: ProcessGroup): Promise<Members> {
  const server = await startRedisServer();
  group.onClose(server.stop);
  let first = true;
  const pids: number[] = [];
  return {
    cpuMicros: () => cpuOfAll(pids) + server.cpuMicros(),
    async add(label) {
      const child: Child = await group.spawn(context.workers.redis, label);
      pids.push(child.process.pid!);
      const call = caller<RedisCommand, RedisResults>(child);
      // One command at a time: auto-pipelining would only add a setImmediate hop to each.
      await call({ cmd: 'connect', path: server.socket, pipeline: false });
      if (first) await call({ cmd: 'fillKeys', keys: MIXED_KEYS });
      first = false;
      return (args, timeoutMs) => call({ cmd: 'mixed', ...args }, timeoutMs);
    },
  };
}

/** Every size in turn over one growing set of processes: `runs` runs per size after a warm-up. */
function measureSystem(context: ScenarioContext, system: MixedSystem, seconds: number, awaitWrites: boolean): Promise<MixedRun[][]> {
  const variant = awaitWrites ? '' : '-nowait';
  return withGroup(`mixed-${system}${variant}`, context.spawn, async (group) => {
    const members = system === 'memsync' ? memsyncMembers(context, group) : await redisMembers(context, group);
    const loops: ((args: MixedArgs, timeoutMs: number) => Promise<MixedResult>)[] = [];
    const out: MixedRun[][] = [];
    const timeoutMs = 30_000 + seconds * 2000;
    const once = async (runSeconds: number): Promise<MixedRun> => {
      const args = { seconds: runSeconds, keys: MIXED_KEYS, writeShare: WRITE_SHARE, awaitWrites };
      const cpuBefore = members.cpuMicros();
      const results = await Promise.all(loops.map((loop) => loop(args, timeoutMs)));
      const cpu = members.cpuMicros() - cpuBefore;
      return {
        cpuPerOp: cpu / results.reduce((sum, r) => sum + r.ops, 0),
        opsPerSecond: results.reduce((sum, r) => sum + r.ops / (r.ms / 1000), 0),
        readP50: median(results.map((r) => r.readP50)),
        clockP50: median(results.map((r) => r.clockP50)),
        writesPerSecond: results.reduce((sum, r) => sum + r.writes / (r.ms / 1000), 0),
      };
    };
    for (const processes of SIZES) {
      while (loops.length < processes) loops.push(await members.add(`p${loops.length + 1}`));
      // Both systems' code is still being compiled in the first second or two: after a
      // warm-up of a quarter second memsync's CPU per operation fell from 14 to 5-6 us over
      // the next four runs, and Redis's from 26 to 16-18 us. Steady state is what an
      // application that runs for more than a second sees.
      await once(Math.max(WARM_UP_SECONDS, seconds));
      const runs: MixedRun[] = [];
      for (let run = 0; run < context.runs; run++) runs.push(await once(seconds));
      context.log(
        `mixed${variant} ${system} ${processes}: ${runs.map((r) => r.opsPerSecond.toFixed(0)).join(', ')} ops/s, ` +
          `${runs.map((r) => r.cpuPerOp.toFixed(1)).join(', ')} CPU us/op`,
      );
      out.push(runs);
    }
    return out;
  });
}

export const mixed: Scenario = {
  id: 'mixed',
  title: 'Mixed: P processes, 95 % reads of random keys, 5 % writes (vs Redis)',
  async run(context) {
    const seconds = context.quick ? 0.5 : 2;
    // With --no-redis memsync's rows are still measured (ops/s and CPU per operation, what an
    // A/B of two trees needs), without baselines or goals: those are ratios to Redis.
    const memsync = await measureSystem(context, 'memsync', seconds, true);
    const redis = context.redis ? await measureSystem(context, 'redis', seconds, true) : undefined;
    const memsyncFree = await measureSystem(context, 'memsync', seconds, false);
    const redisFree = context.redis ? await measureSystem(context, 'redis', seconds, false) : undefined;
    /** Redis's runs as a figure's baseline, when Redis ran. */
    const versus = (runs: MixedRun[][] | undefined, i: number, f: (r: MixedRun) => number) =>
      runs ? { baseline: runs[i]!.map(f), baselineName: 'Redis' } : {};
    const figures: Figure[] = [];
    SIZES.forEach((processes, i) => {
      const pick = (runs: MixedRun[], f: (r: MixedRun) => number): number[] => runs.map(f);
      const ops = makeFigure(`mixed.${processes}`, `${processes} processes: operations/s, all processes`, 'ops/s', pick(memsync[i]!, (r) => r.opsPerSecond), {
        ...versus(redis, i, (r) => r.opsPerSecond),
        note: `${seconds} s per run`,
      });
      if (redis) ops.goal = ratioGoal(ops, 20, 'atLeast');
      const read = makeFigure(
        `mixed.${processes}.read.p50`,
        `${processes} processes: read p50 (median over processes)`,
        'us',
        pick(memsync[i]!, (r) => r.readP50),
        versus(redis, i, (r) => r.readP50),
      );
      figures.push(ops, read);
    });
    SIZES.forEach((processes, i) => {
      const free = makeFigure(
        `mixed.nowait.${processes}`,
        `${processes} processes, writes not awaited one by one: operations/s`,
        'ops/s',
        memsyncFree[i]!.map((r) => r.opsPerSecond),
        { ...versus(redisFree, i, (r) => r.opsPerSecond), note: `${seconds} s per run, every write acknowledged` },
      );
      if (redisFree) free.goal = ratioGoal(free, 20, 'atLeast');
      const cpu = makeFigure(
        `mixed.nowait.${processes}.cpu`,
        `${processes} processes, writes not awaited: CPU per operation, every process of the system`,
        'us',
        memsyncFree[i]!.map((r) => r.cpuPerOp),
        { ...versus(redisFree, i, (r) => r.cpuPerOp), ...(redisFree ? { note: 'Redis: its clients and redis-server' } : {}) },
      );
      figures.push(free, cpu);
    });
    const all = (runs: MixedRun[][], f: (r: MixedRun) => number): number => median(runs.flat().map(f));
    /** The median of one size's runs as a whole number, or '-' when that system did not run. */
    const count = (runs: MixedRun[][] | undefined, i: number, f: (r: MixedRun) => number): string =>
      runs ? Math.round(all([runs[i]!], f)).toLocaleString('en-US') : '-';
    const details = [
      `Timing a read costs the clock itself about ${all(memsync, (r) => r.clockP50).toFixed(2)} us here (two clock reads ` +
        'back to back, p50), included in every read p50.',
      ...SIZES.map(
        (processes, i) =>
          `${processes} processes: ${count(memsync, i, (r) => r.writesPerSecond)} writes/s ` +
          `in all with memsync, ${count(redis, i, (r) => r.writesPerSecond)} with Redis; ` +
          `writes not awaited: ${count(memsyncFree, i, (r) => r.writesPerSecond)} and ` +
          `${count(redisFree, i, (r) => r.writesPerSecond)}, read p50 ` +
          `${all([memsyncFree[i]!], (r) => r.readP50).toFixed(2)} us and ${redisFree ? all([redisFree[i]!], (r) => r.readP50).toFixed(1) : '-'} us.`,
      ),
    ];
    return {
      figures,
      details,
      reading:
        'Each operation is awaited before the next, in every process. A memsync read is a ' +
        'property read of the local replica (a chunked root behind a read-only Proxy for this ' +
        '10,000-key document), so memsync\'s processes spend their time waiting on the 5 % of ' +
        'writes: each is awaited until the host has ordered it and it has come back, so a ' +
        'process does about 20 operations per write round trip, and every process applies ' +
        'every write of the mesh on two shared cores. A write copies one chunk of 32 keys and ' +
        'the list of chunks, not the whole root (see the apply row for a 10,000-key document). A ' +
        'Redis read is an HGET round trip through redis-server, a write an HINCRBY of one hash ' +
        'field whatever the hash\'s size. Every 16th read is timed. In the rows where writes ' +
        'are not awaited one by one, each process keeps up to 256 writes in flight and goes on ' +
        'reading (memsync shows its own write at once in its view; a Redis client pipelines ' +
        'its HINCRBYs, and its next HGET, awaited, waits behind them on the connection); the ' +
        'clock stops once every write is acknowledged, and only acknowledged writes count. ' +
        'Each size starts with an untimed run of at least 2 s (both systems are still being ' +
        'compiled before). The CPU rows divide the CPU time every process of the system used ' +
        'during a run (/proc; for Redis its clients and redis-server) by the operations done: ' +
        'what the work costs, hardly affected by what else runs on the machine, where ops/s ' +
        'is. On 2 cores, 2,000,000 / (CPU us per operation) bounds the ops/s.',
    };
  },
};
