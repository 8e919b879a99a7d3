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
    const rates: Record<System, number[]> = { memsync: [], relay: [] };
    const sizes: Record<System, number> = { memsync: 0, relay: 0 };
    const flows: Record<System, FlowResult[]> = { memsync: [], relay: [] };
    for (const system of ['relay', 'memsync'] as const) {
      await withFlowMesh(context, system, async (mesh) => {
        await mesh.grow(3);
        const { results, patches } = await mesh.measureFor(seconds, context.runs, WINDOW);
        rates[system] = results.map((r: FlowResult) => r.clients[0]!);
        flows[system] = results;
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
      figures: [figure, ...cpuFigures('throughput', 'writer -> host -> reader', flows.memsync, flows.relay)],
      reading:
        'CPU per patch, and stages that take turns. A reader spends per entry about 0.5 us in ' +
        'JSON.parse, 0.1 us in the schema check, 0.2 us validating, 0.6 us applying and 0.5 us ' +
        'in observers, plus garbage collection (about a quarter of every profile); the host adds ' +
        'encoding, the writer its optimistic apply and promise bookkeeping. The relay only parses ' +
        'and forwards (about 1 us). With 256 in flight each process handles a whole batch while ' +
        'the others wait for it: profiles show each process 40-70% idle, three processes sharing ' +
        'two cores. Measured with `npm run bench -- --only=throughput --profile=DIR` and ' +
        '`node --import tsx bench/profile-summary.ts DIR`.',
    };
  },
};
