/**
 * An A/B of the mixed workload's rows with writes not awaited (#18), by CPU per operation:
 * the same measurement as bench/scenarios/mixed.ts (`mixed.nowait.P.cpu`), for two or more
 * checkouts in turn, several rounds, on one machine. Each checkout runs its own bundled
 * workers (its bench/lib/bundle.ts, into its own node_modules), so give a baseline tree a
 * node_modules directory of its own (links to each package are fine, not a link to the
 * whole directory: the bundles would overwrite each other).
 *
 *   node --import tsx bench/mixed-ab.ts DIR_A DIR_B [--rounds=4] [--runs=3] [--sizes=2,4,8] [--seconds=0.5]
 *
 * Per round and tree, every size in turn over one growing group of processes (as the bench
 * does): a warm-up run of 2 s, then `runs` runs; the round's figure is the median of the runs.
 * `--awaited`: writes awaited one by one (the `mixed.P` rows) instead of kept in flight.
 * `--profile=DIR`: CPU profiles of every process (bench/profile-summary.ts reads them).
 * Printed per round: CPU us per operation of every process, and of the host alone (its share
 * of the same operations), and operations/s. At the end, per tree and size, the median over rounds.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

interface ChildLike {
  process: { pid?: number };
}
interface GroupLike {
  dir: string;
  spawn(file: string, label: string): Promise<ChildLike>;
}
interface ChildModule {
  withGroup<R>(name: string, options: object, body: (group: GroupLike) => Promise<R>): Promise<R>;
  caller(child: ChildLike): (command: Record<string, unknown>, timeoutMs?: number) => Promise<unknown>;
  cleanUpEverything(): void;
}
interface BundleModule {
  bundleWorkers(): Promise<{ memsync: string }>;
}
interface ServerModule {
  cpuOf(pid: number): number;
}
interface LoopResult {
  ops: number;
}

const WARM_UP_SECONDS = 2;
/** `--awaited`: every write awaited before the next operation (the mixed.P rows), not kept in flight. */
const AWAIT_WRITES = process.argv.includes('--awaited');
const KEYS = 10_000;

function option(name: string, fallback: string): string {
  const flag = process.argv.find((arg) => arg.startsWith(`--${name}=`));
  return flag === undefined ? fallback : flag.slice(name.length + 3);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

interface Tree {
  dir: string;
  child: ChildModule;
  server: ServerModule;
  worker: string;
}

async function load(dir: string): Promise<Tree> {
  const url = (path: string): string => pathToFileURL(`${dir}/${path}`).href;
  const bundle = (await import(url('bench/lib/bundle.ts'))) as BundleModule;
  const child = (await import(url('bench/lib/child.ts'))) as ChildModule;
  const server = (await import(url('bench/redis/server.ts'))) as ServerModule;
  const { memsync } = await bundle.bundleWorkers();
  return { dir, child, server, worker: memsync };
}

/** One tree, every size: per size the runs' CPU us per op (all processes, and the host's). */
/** Per size: CPU us per operation of every process and of the host, and operations/s (thousands), per run. */
interface Measured {
  all: number[];
  host: number[];
  kops: number[];
}

function measure(tree: Tree, sizes: number[], runs: number, seconds: number, profileDir: string | undefined): Promise<Measured[]> {
  return tree.child.withGroup('mixed-ab', profileDir === undefined ? {} : { profileDir }, async (group) => {
    const loops: ((args: Record<string, unknown>) => Promise<LoopResult>)[] = [];
    const pids: number[] = [];
    const cpu = (): number[] => pids.map((pid) => tree.server.cpuOf(pid));
    const out: Measured[] = [];
    const once = async (runSeconds: number): Promise<{ all: number; host: number; kops: number }> => {
      const args = { cmd: 'mixed', seconds: runSeconds, keys: KEYS, writeShare: 0.05, awaitWrites: AWAIT_WRITES };
      const before = cpu();
      const began = performance.now();
      const results = await Promise.all(loops.map((loop) => loop(args)));
      const after = cpu();
      const ms = performance.now() - began;
      const ops = results.reduce((sum, r) => sum + r.ops, 0);
      const used = after.map((value, i) => value - before[i]!);
      return { all: used.reduce((a, b) => a + b, 0) / ops, host: used[0]! / ops, kops: ops / ms };
    };
    for (const processes of sizes) {
      while (loops.length < processes) {
        const child = await group.spawn(tree.worker, `p${loops.length + 1}`);
        pids.push(child.process.pid!);
        const call = tree.child.caller(child);
        await call({ cmd: 'start', name: 'mixed', dir: group.dir });
        if (loops.length === 0) await call({ cmd: 'fillKeys', keys: KEYS });
        loops.push((args) => call(args, 60_000) as Promise<LoopResult>);
      }
      await once(Math.max(WARM_UP_SECONDS, seconds));
      const measured: { all: number; host: number; kops: number }[] = [];
      for (let run = 0; run < runs; run++) measured.push(await once(seconds));
      out.push({ all: measured.map((m) => m.all), host: measured.map((m) => m.host), kops: measured.map((m) => m.kops) });
    }
    return out;
  });
}

async function main(): Promise<void> {
  const dirs = process.argv.slice(2).filter((arg) => !arg.startsWith('--')).map((dir) => resolve(dir));
  if (dirs.length < 1) throw new Error('usage: mixed-ab.ts DIR_A [DIR_B ...] [--rounds=N] [--runs=N] [--sizes=2,4,8] [--seconds=S]');
  const rounds = Number(option('rounds', '4'));
  const runs = Number(option('runs', '3'));
  const seconds = Number(option('seconds', '0.5'));
  const sizes = option('sizes', '2,4,8').split(',').map(Number);
  const profile = process.argv.find((arg) => arg.startsWith('--profile='))?.slice(10);
  const trees: Tree[] = [];
  for (const dir of dirs) trees.push(await load(dir));
  /** tree -> size -> round medians. */
  const all = trees.map(() => sizes.map((): number[] => []));
  const host = trees.map(() => sizes.map((): number[] => []));
  const kops = trees.map(() => sizes.map((): number[] => []));
  try {
    for (let round = 0; round < rounds; round++) {
      // Alternate which tree goes first, so neither always follows the other.
      const order = trees.map((_, i) => i);
      if (round % 2 === 1) order.reverse();
      for (const t of order) {
        const result = await measure(trees[t]!, sizes, runs, seconds, profile === undefined ? undefined : `${profile}/${t}-${round}`);
        result.forEach((r, s) => {
          all[t]![s]!.push(median(r.all));
          host[t]![s]!.push(median(r.host));
          kops[t]![s]!.push(median(r.kops));
        });
        const cells = result.map((r, s) => `${sizes[s]}: ${median(r.all).toFixed(2)} (host ${median(r.host).toFixed(2)}, ${median(r.kops).toFixed(0)}k ops/s) [${r.all.map((v) => v.toFixed(2)).join(' ')}]`);
        console.log(`round ${round + 1} ${trees[t]!.dir}  ${cells.join('  ')}`);
      }
    }
  } finally {
    for (const tree of trees) tree.child.cleanUpEverything();
  }
  console.log('median over rounds, CPU us per operation (all processes / host), thousands of operations/s:');
  trees.forEach((tree, t) => {
    const cells = sizes.map((size, s) => `${size}: ${median(all[t]![s]!).toFixed(2)} / ${median(host[t]![s]!).toFixed(2)}, ${median(kops[t]![s]!).toFixed(0)}k`);
    console.log(`  ${tree.dir}  ${cells.join('  ')}`);
  });
}

await main();
