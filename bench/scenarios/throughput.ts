import { makeFigure, ratioGoal } from '../lib/figures.js';
import { type FlowResult, type System, withFlowMesh } from './mesh-flow.js';
import type { Scenario } from './types.js';

const WINDOW = 256;

/** One clientOnly writer -> host -> one clientOnly reader: patches/s the reader sees. */
export const throughput: Scenario = {
  id: 'throughput',
  title: 'Throughput: writer -> host -> reader',
  async run(context) {
    const seconds = context.quick ? 0.5 : 2;
    const rates: Record<System, number[]> = { memsync: [], relay: [] };
    const sizes: Record<System, number> = { memsync: 0, relay: 0 };
    for (const system of ['relay', 'memsync'] as const) {
      await withFlowMesh(context, system, async (mesh) => {
        await mesh.grow(3);
        const { results, patches } = await mesh.measureFor(seconds, context.runs, WINDOW);
        rates[system] = results.map((r: FlowResult) => r.clients[0]!);
        sizes[system] = patches;
      });
      context.log(`throughput ${system}: ${rates[system].map((r) => r.toFixed(0)).join(', ')} patches/s`);
    }
    const figure = makeFigure('throughput', `$inc, ${WINDOW} in flight`, 'patches/s', rates.memsync, {
      baseline: rates.relay,
      note: `${sizes.memsync.toLocaleString('en-US')} vs ${sizes.relay.toLocaleString('en-US')} patches per run`,
    });
    figure.goal = ratioGoal(figure, 0.5, 'atLeast');
    return {
      figures: [figure],
      reading:
        'CPU per patch, not the sockets. Every replica parses each entry, checks it (schema and ' +
        'patch validator), applies it through the optimistic view and the replica (mingo\'s update ' +
        'operators on a copy-on-write root), and runs the observe layer and the change event; the ' +
        'writer also validates and applies each patch optimistically before sending it. With ' +
        'three busy processes on two cores their combined CPU is the limit, and collecting the ' +
        'per-patch garbage is the largest single item in every process\'s profile. The relay only ' +
        'parses and forwards.',
    };
  },
};
