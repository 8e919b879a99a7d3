/**
 * Cold start: a fresh process, from its fork to the first value it has read of a shared
 * 10,000-key document. memsync joins the mesh (the whole document comes over) and reads it
 * locally; the Redis process connects and HGETs the one field. The floor is a Node process
 * that loads nothing. The runs alternate between the three, so load drifts hit them alike.
 */
import { type Child, caller, type ProcessGroup, withGroup } from '../lib/child.js';
import { wallNow } from '../lib/clock.js';
import { formatSummary, makeFigure } from '../lib/figures.js';
import { median, summarize } from '../lib/stats.js';
import type { RedisCommand, RedisResults } from '../redis/redis-commands.js';
import { startRedisServer } from '../redis/server.js';
import type { MemsyncCommand, MemsyncResults } from '../workers/memsync-commands.js';
import { MIXED_KEYS } from './mixed.js';
import type { Scenario } from './types.js';

/** Milliseconds from fork to the child's `cold` event (both on the machine's wall clock). */
async function coldRun(group: ProcessGroup, file: string, args: string[], label: string, reads = true): Promise<number> {
  const launched = wallNow();
  const child: Child = group.launch(file, args, label);
  const event = await child.waitFor((e) => e.event === 'cold', 30_000, 'first value');
  await child.exited;
  if (reads && event.value === null) throw new Error(`${label} read no value`);
  return (event.at as number) - launched;
}

export const coldStart: Scenario = {
  id: 'coldstart',
  title: 'Cold start: process start -> first value read',
  async run(context) {
    if (!context.redis) return { figures: [], reading: 'Redis was not measured (--no-redis): no figures.' };
    const runs = Math.max(context.runs, 5);
    return withGroup('coldstart', context.spawn, async (group) => {
      const host = caller<MemsyncCommand, MemsyncResults>(await group.spawn(context.workers.memsync, 'host'));
      await host({ cmd: 'start', name: 'bench', dir: group.dir });
      await host({ cmd: 'fillKeys', keys: MIXED_KEYS });
      const server = await startRedisServer();
      group.onClose(server.stop);
      const filler = caller<RedisCommand, RedisResults>(await group.spawn(context.workers.redis, 'filler'));
      await filler({ cmd: 'connect', path: server.socket, pipeline: false });
      await filler({ cmd: 'fillKeys', keys: MIXED_KEYS });
      const ms = { memsync: [] as number[], redis: [] as number[], bare: [] as number[] };
      for (let run = 1; run <= runs; run++) {
        ms.bare.push(await coldRun(group, context.workers.coldBare, [], `bare-${run}`, false));
        ms.memsync.push(await coldRun(group, context.workers.coldMemsync, [`${group.dir}/bench.sock`, 'k1'], `memsync-${run}`));
        ms.redis.push(await coldRun(group, context.workers.coldRedis, [server.socket, 'mixed', 'k1'], `redis-${run}`));
      }
      context.log(`coldstart memsync ${ms.memsync.map((v) => v.toFixed(0)).join(', ')} ms; redis ${ms.redis.map((v) => v.toFixed(0)).join(', ')} ms`);
      const note = `${MIXED_KEYS.toLocaleString('en-US')}-key document`;
      return {
        figures: [
          makeFigure('coldstart.redis', 'fork -> first value read, vs Redis (connect + HGET)', 'ms', ms.memsync, { baseline: ms.redis, baselineName: 'Redis', note }),
          makeFigure('coldstart.floor', 'fork -> first value read, vs a Node process loading nothing', 'ms', ms.memsync, { baseline: ms.bare, baselineName: 'bare Node' }),
        ],
        details: [
          `Redis alone: ${formatSummary(summarize(ms.redis))} ms from fork to the value, ` +
            `${(median(ms.redis) / median(ms.bare)).toFixed(2)}x the bare Node process.`,
        ],
        reading:
          'Most of it is Node starting and loading the library\'s code; beyond that memsync ' +
          'connects, says hello, and receives and checks the whole document before start() ' +
          'resolves, where a Redis client connects and fetches the one field it asked for.',
      };
    });
  },
};
