/**
 * The mixed workload (#18, writes not awaited) as a whole mesh in one process: P MemSync
 * instances over the loopback transport (every message JSON-encoded on its way, as in the
 * mesh tests), a 10,000-key document, each running the bench's loop (bench/workers/mixed-loop.ts:
 * 95 % reads of random keys, 5 % `$inc`s of random keys, up to 256 writes in flight) at once.
 * `node --import tsx scripts/mixed-mesh-cost.ts [DIR] [P] [SECONDS]`, DIR a checkout (default:
 * this one), P processes (default 4), SECONDS per run (default 2).
 *
 * Printed: CPU per operation of the whole mesh (user + system of this process over the run,
 * divided by the operations of all loops), median of the runs after a warm-up run. Unlike
 * the bench it has no sockets and one event loop; it moves far less with the machine's load.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

interface Mem {
  start(): Promise<unknown>;
  stop(): Promise<void>;
  patch(update: unknown): Promise<{ applied: boolean }>;
  readonly data: Record<string, unknown>;
}
interface Module {
  MemSync: new (name: string, defaults: object, options: object) => Mem;
  createLoopbackTransport(): object;
}
interface LoopModule {
  mixedLoop(store: { read(key: string): unknown; write(key: string): Promise<unknown> }, args: object, seed: number): Promise<{ ops: number; writes: number }>;
}

const KEYS = 10_000;
const RUNS = 5;

async function main(): Promise<void> {
  const dir = resolve(process.argv[2] ?? '.');
  const processes = Number(process.argv[3] ?? 4);
  const seconds = Number(process.argv[4] ?? 2);
  const { MemSync, createLoopbackTransport } = (await import(pathToFileURL(`${dir}/src/index.ts`).href)) as Module;
  const { mixedLoop } = (await import(pathToFileURL(`${dir}/bench/workers/mixed-loop.ts`).href)) as LoopModule;
  const transport = createLoopbackTransport();
  const members: Mem[] = [];
  for (let i = 0; i < processes; i++) {
    const mem = new MemSync('mixed-cost', {}, { transport, path: '/loopback/mixed-cost', gatherMs: 30 });
    await mem.start();
    members.push(mem);
  }
  for (let first = 0; first < KEYS; first += 1000) {
    const fields: Record<string, number> = {};
    for (let i = first; i < Math.min(KEYS, first + 1000); i++) fields[`k${i}`] = 0;
    await members[0]!.patch({ $set: fields });
  }
  const run = async (): Promise<{ cpuPerOp: number; writes: number }> => {
    const began = process.cpuUsage();
    const results = await Promise.all(
      members.map((mem, i) =>
        mixedLoop(
          {
            read: (key) => mem.data[key],
            write: (key) =>
              mem.patch({ $inc: { [key]: 1 } }).then((result) => {
                if (!result.applied) throw new Error('write refused');
              }),
          },
          { seconds, keys: KEYS, writeShare: 0.05, awaitWrites: false },
          1000 + i,
        ),
      ),
    );
    const used = process.cpuUsage(began);
    const ops = results.reduce((sum, r) => sum + r.ops, 0);
    return { cpuPerOp: (used.user + used.system) / ops, writes: results.reduce((sum, r) => sum + r.writes, 0) };
  };
  await run();
  const figures: number[] = [];
  let writes = 0;
  for (let i = 0; i < RUNS; i++) {
    const result = await run();
    figures.push(result.cpuPerOp);
    writes += result.writes;
  }
  const sorted = [...figures].sort((a, b) => a - b);
  console.log(
    `${dir} P=${processes}: CPU us per operation, whole mesh: median ${sorted[Math.floor(RUNS / 2)]!.toFixed(3)} ` +
      `(runs ${figures.map((f) => f.toFixed(2)).join(', ')}; ${writes} writes; per write ${(sorted[Math.floor(RUNS / 2)]! * 20).toFixed(1)})`,
  );
  await Promise.all(members.map((mem) => mem.stop()));
}

await main();
