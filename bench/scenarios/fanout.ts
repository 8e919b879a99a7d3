import { makeFigure, ratioGoal } from '../lib/figures.js';
import { memsyncFlow, relayFlow } from './mesh-flow.js';
import type { Scenario, Series } from './types.js';

const SIZES = [2, 4, 8, 16];
const WINDOW = 256;

/**
 * One writer, the rest reading; the host counts as one of the processes and reads too (it
 * holds a replica like everyone). The figure is the slowest reader's rate: the mesh is in
 * sync only as fast as its slowest replica.
 */
export const fanout: Scenario = {
  id: 'fanout',
  title: 'Fan-out: one writer, N-1 readers (host included)',
  async run(context) {
    const patches = context.quick ? 5_000 : 20_000;
    const series: Series = { processes: SIZES, memsync: [], relay: [] };
    const figures = [];
    for (const processes of SIZES) {
      const options = { processes, patches, window: WINDOW };
      const memsync: number[] = [];
      const relay: number[] = [];
      for (let run = 1; run <= context.runs; run++) {
        const r = await relayFlow(context, options);
        relay.push(Math.min(r.host, ...r.clients));
        const m = await memsyncFlow(context, options);
        memsync.push(Math.min(m.host, ...m.clients));
        context.log(
          `fanout ${processes} run ${run}: memsync ${memsync.at(-1)!.toFixed(0)}/s, relay ${relay.at(-1)!.toFixed(0)}/s`,
        );
      }
      const figure = makeFigure(
        `fanout.${processes}`,
        `${processes} processes (${processes - 1} reading)`,
        'patches/s',
        memsync,
        {
          baseline: relay,
          note: 'slowest reader',
        },
      );
      figure.goal = ratioGoal(figure, 0.5, 'atLeast');
      figures.push(figure);
      series.memsync.push(figure.value.median);
      series.relay.push(figure.baseline!.median);
    }
    return {
      figures,
      series,
      reading:
        'Two cores serve all N processes: every replica parses and applies every patch, so the total ' +
        'work grows with N while the CPU does not. The relay falls with N for the same reason; the ratio ' +
        'shows what memsync adds per replica.',
    };
  },
};
