import { type Figure, makeFigure, ratioGoal } from '../lib/figures.js';
import { cpuFigures, type FlowResult, measureAlternating, redisCpuFigures, type System, withFlowMeshes } from './mesh-flow.js';
import type { Scenario, ScenarioContext } from './types.js';

const WINDOW = 256;

/** The systems a run measures: Redis unless --no-redis. */
export function systemsOf(context: ScenarioContext): System[] {
  return context.redis ? ['relay', 'memsync', 'redis'] : ['relay', 'memsync'];
}

/**
 * One clientOnly writer -> host -> one clientOnly reader: patches/s the reader sees. For
 * Redis the same path is writer -> redis-server -> one subscriber.
 */
export const throughput: Scenario = {
  id: 'throughput',
  title: 'Throughput: writer -> host -> reader',
  async run(context) {
    const seconds = context.quick ? 0.5 : 2;
    const sizes: Record<System, number> = { memsync: 0, relay: 0, redis: 0 };
    const flows: Record<System, FlowResult[]> = { memsync: [], relay: [], redis: [] };
    /** Patches per second the reader saw, run by run. */
    const rates = (system: System): number[] => flows[system].map((r) => r.clients[0]!);
    await withFlowMeshes(context, systemsOf(context), async (meshes) => {
      // Host (or redis-server, which is no bench process), writer and one reader.
      for (const [system, mesh] of meshes) await mesh.grow(system === 'redis' ? 2 : 3);
      for (const [system, { results, patches }] of await measureAlternating(meshes, seconds, context.runs, WINDOW)) {
        flows[system] = results;
        sizes[system] = patches;
        context.log(`throughput ${system}: ${rates(system).map((r) => r.toFixed(0)).join(', ')} patches/s`);
      }
    });
    const figure = makeFigure('throughput', `$inc, ${WINDOW} in flight`, 'patches/s', rates('memsync'), {
      baseline: rates('relay'),
      note: `${sizes.memsync.toLocaleString('en-US')} vs ${sizes.relay.toLocaleString('en-US')} patches per run`,
    });
    figure.goal = ratioGoal(figure, 0.5, 'atLeast');
    const figures: Figure[] = [figure, ...cpuFigures('throughput', 'writer -> host -> reader', flows.memsync, flows.relay)];
    if (context.redis) {
      const versus = makeFigure('throughput.redis', `$inc, ${WINDOW} in flight, vs Redis (HINCRBY+PUBLISH script)`, 'patches/s', rates('memsync'), {
        baseline: rates('redis'),
        baselineName: 'Redis',
        note: `${sizes.redis.toLocaleString('en-US')} Redis patches per run`,
      });
      versus.goal = ratioGoal(versus, 1.5, 'atLeast');
      figures.push(versus, ...redisCpuFigures('throughput.redis', 'vs Redis', flows.memsync, flows.redis));
    }
    return {
      figures,
      reading:
        'CPU per patch. The rows below measure it per process in this run (user + system time ' +
        'over the flow, divided by the patches), and three processes share two cores. A reader ' +
        'decodes (the compact frames: binary numbers, one JSON text for the frame\'s ' +
        'updates), validates, applies (the lean path for one-path patches; timestamp and ' +
        'exactly-once tables) and observes every entry; the relay reader only parses. The writer ' +
        'is the costliest stage: it validates the caller\'s update, applies it optimistically, ' +
        'keeps a promise per patch, encodes its submits and decodes and confirms its own patches ' +
        'coming back. Profiles (`npm run bench -- --only=throughput --profile=DIR`, then `node ' +
        '--import tsx bench/profile-summary.ts DIR`) show the rest spread over socket writes, ' +
        'garbage collection and a dozen functions of a few percent each. Redis runs the same ' +
        'path as writer -> redis-server -> subscriber (ioredis, auto-pipelined), each write an ' +
        'atomic Lua script doing HINCRBY and PUBLISH; its server is one C process, and its ' +
        'reader only parses a RESP message.',
    };
  },
};
