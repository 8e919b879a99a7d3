/**
 * One MemSync alone (the host, no member): the mixed workload's loop (mixed-loop.ts) with
 * writes only, for `seconds`, `rounds` times after a warm-up. Prints one JSON line per round:
 * writes per second and this process's CPU per write. Run by bench/solo-writes.ts.
 *
 *   KEYS=10000 AWAIT=0 SECONDS=1 ROUNDS=3 node solo-writes-worker.mjs
 */
import { MemSync } from '../../src/index.js';
import { mixedLoop } from './mixed-loop.js';

const keys = Number(process.env.KEYS ?? 10_000);
const awaitWrites = process.env.AWAIT === '1';
const seconds = Number(process.env.SECONDS ?? 1);
const rounds = Number(process.env.ROUNDS ?? 3);

const mem = new MemSync(`solo-writes-${process.pid}`, {}, {});
await mem.start();
// A thousand keys a patch keeps each well under the patch size limit.
for (let first = 0; first < keys; first += 1000) {
  const fields: Record<string, number> = {};
  for (let i = first; i < Math.min(keys, first + 1000); i++) fields[`k${i}`] = 0;
  await mem.patch({ $set: fields });
}
const write = (key: string): Promise<unknown> =>
  mem.patch({ $inc: { [key]: 1 } }).then((result) => {
    if (!result.applied) throw new Error(`write refused: ${result.reason}`);
  });
const data = (): Record<string, unknown> => mem.data as Record<string, unknown>;
for (let round = -1; round < rounds; round++) {
  const before = process.cpuUsage();
  const result = await mixedLoop({ read: (key) => data()[key], write }, { seconds, keys, writeShare: 1, awaitWrites }, 7);
  const cpu = process.cpuUsage(before);
  if (round < 0) continue; // warm-up: the code is still being compiled
  process.stdout.write(`${JSON.stringify({ perSecond: (result.writes / result.ms) * 1000, cpuPerWrite: (cpu.user + cpu.system) / result.writes })}\n`);
}
await mem.stop();
