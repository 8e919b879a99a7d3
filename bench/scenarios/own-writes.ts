import { caller, withGroup } from '../lib/child.js';
import { makeFigure } from '../lib/figures.js';
import { quantile } from '../lib/stats.js';
import type { MemsyncCommand, MemsyncResults } from '../workers/memsync-commands.js';
import type { Scenario } from './types.js';

/**
 * What the failover promise costs the host's own writes: a host acknowledges its own patch
 * only once another replica holds it (one round trip), at once when it is alone. The same
 * host process, awaited patches one at a time, alone and then with one member.
 */
export const ownWrites: Scenario = {
  id: 'own',
  title: "Host's own awaited patch: alone, and with a member (acknowledged once another replica holds it)",
  async run(context) {
    const rounds = context.quick ? 500 : 3000;
    const warmup = context.quick ? 300 : 1000;
    const alone: number[][] = [];
    const member: number[][] = [];
    await withGroup('own', context.spawn, async (group) => {
      const mesh = { name: 'own', dir: group.dir };
      const host = caller<MemsyncCommand, MemsyncResults>(await group.spawn(context.workers.memsync, 'host'));
      await host({ cmd: 'start', ...mesh });
      await host({ cmd: 'own', rounds: 0, warmup });
      for (let run = 0; run < context.runs; run++) alone.push(await host({ cmd: 'own', rounds, warmup: 0 }, 60_000));
      const other = caller<MemsyncCommand, MemsyncResults>(await group.spawn(context.workers.memsync, 'member'));
      await other({ cmd: 'start', ...mesh, clientOnly: true });
      await host({ cmd: 'own', rounds: 0, warmup });
      for (let run = 0; run < context.runs; run++) member.push(await host({ cmd: 'own', rounds, warmup: 0 }, 60_000));
    });
    const p = (q: number) => (runs: number[][]) => runs.map((r) => quantile(r, q));
    return {
      figures: [
        makeFigure('own.alone.p50', 'own patch, host alone, p50', 'us', p(0.5)(alone)),
        makeFigure('own.member.p50', 'own patch, host with a member, p50', 'us', p(0.5)(member), {
          baseline: p(0.5)(alone),
          baselineName: 'alone',
        }),
        makeFigure('own.member.p99', 'own patch, host with a member, p99', 'us', p(0.99)(member), {
          baseline: p(0.99)(alone),
          baselineName: 'alone',
        }),
      ],
      reading:
        "A host's own write waits for one replica to say it holds it: a round trip to the nearest member, the price of surviving the host's death the instant after it answered.",
    };
  },
};
