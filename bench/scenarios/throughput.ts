import { makeFigure, ratioGoal } from '../lib/figures.js';
import { cpuFigures, type FlowResult, type System, withFlowMesh } from './mesh-flow.js';
import type { Scenario } from './types.js';

const WINDOW = 256;

/** One clientOnly writer -> host -> one clientOnly reader: patches/s the reader sees. */
export const throughput: Scenario = {
  id: 'throughput',
  title: 'Throughput: writer -> host -> reader',
  async run(context) {
    const seconds = context.quick ? 0.5 : 2;
    const sizes: Record<System, number> = { memsync: 0, relay: 0 };
    const flows: Record<System, FlowResult[]> = { memsync: [], relay: [] };
    /** Patches per second the reader saw, run by run. */
    const rates = (system: System): number[] => flows[system].map((r) => r.clients[0]!);
    for (const system of ['relay', 'memsync'] as const) {
      await withFlowMesh(context, system, async (mesh) => {
        await mesh.grow(3);
        const { results, patches } = await mesh.measureFor(seconds, context.runs, WINDOW);
        flows[system] = results;
        sizes[system] = patches;
      });
      context.log(`throughput ${system}: ${rates(system).map((r) => r.toFixed(0)).join(', ')} patches/s`);
    }
    const figure = makeFigure('throughput', `$inc, ${WINDOW} in flight`, 'patches/s', rates('memsync'), {
      baseline: rates('relay'),
      note: `${sizes.memsync.toLocaleString('en-US')} vs ${sizes.relay.toLocaleString('en-US')} patches per run`,
    });
    figure.goal = ratioGoal(figure, 0.5, 'atLeast');
    return {
      figures: [figure, ...cpuFigures('throughput', 'writer -> host -> reader', flows.memsync, flows.relay)],
      reading:
        'CPU per patch. The rows below measure it per process in this run (user + system time ' +
        'over the flow, divided by the patches): the mesh spends about 2.5x the relay\'s CPU on ' +
        'each patch, and three processes share two cores. A reader parses, schema-checks, ' +
        'validates, applies (copy-on-write, timestamp table, exactly-once table) and observes ' +
        'every entry; the relay reader only parses. The writer is the costliest stage: it ' +
        'validates and copies the caller\'s update, applies it optimistically, keeps a promise per ' +
        'patch and parses its own patches coming back. Profiles (`npm run bench -- ' +
        '--only=throughput --profile=DIR`, then `node --import tsx bench/profile-summary.ts DIR`) ' +
        'show a reader\'s time in JSON.parse (about a fifth), garbage collection (about a fifth) ' +
        'and the apply path spread over a dozen functions of a few percent each.',
    };
  },
};
