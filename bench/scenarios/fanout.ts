import { type Figure, makeFigure, ratioGoal } from '../lib/figures.js';
import { cpuFigures, type FlowResult, type System, withFlowMesh } from './mesh-flow.js';
import type { Scenario, Series } from './types.js';

const SIZES = [2, 4, 8, 16];
const WINDOW = 256;

/**
 * One writer, the rest reading; the host counts as one of the processes and reads too (it
 * holds a replica like everyone). The figure is the slowest reader's rate: the mesh is in
 * sync only as fast as its slowest replica. Each system's mesh grows 2 -> 4 -> 8 -> 16.
 */
export const fanout: Scenario = {
  id: 'fanout',
  title: 'Fan-out: one writer, N-1 readers (host included)',
  async run(context) {
    const seconds = context.quick ? 0.3 : 1.5;
    const rates: Record<System, number[][]> = { memsync: [], relay: [] };
    const flows: Record<System, FlowResult[][]> = { memsync: [], relay: [] };
    for (const system of ['relay', 'memsync'] as const) {
      await withFlowMesh(context, system, async (mesh) => {
        for (const processes of SIZES) {
          await mesh.grow(processes);
          const { results } = await mesh.measureFor(seconds, context.runs, WINDOW, context.quick ? 3 : 6);
          rates[system].push(results.map((r) => Math.min(r.host, ...r.clients)));
          flows[system].push(results);
          context.log(`fanout ${system} ${processes}: ${rates[system].at(-1)!.map((r) => r.toFixed(0)).join(', ')} patches/s`);
        }
      });
    }
    const series: Series = { processes: SIZES, memsync: [], relay: [] };
    const figures: Figure[] = SIZES.map((processes, i) => {
      const figure = makeFigure(`fanout.${processes}`, `${processes} processes (${processes - 1} reading)`, 'patches/s', rates.memsync[i]!, {
        baseline: rates.relay[i]!,
      });
      figure.goal = ratioGoal(figure, 0.5, 'atLeast');
      series.memsync.push(figure.value.median);
      series.relay.push(figure.baseline!.median);
      return figure;
    });
    SIZES.forEach((processes, i) =>
      figures.push(...cpuFigures(`fanout.${processes}`, `${processes} processes`, flows.memsync[i]!, flows.relay[i]!)),
    );
    return {
      figures,
      series,
      reading:
        'Every process applies every patch and the machine has two cores, so the slowest reader\'s ' +
        'rate is about the cores divided by the CPU all the replicas spend on one patch: both ' +
        'curves fall roughly as 1/N. The ratio to the relay is the ratio of that CPU per replica: ' +
        'a memsync reader parses, checks, applies and observes each patch, a relay reader only ' +
        'parses it.',
    };
  },
};
