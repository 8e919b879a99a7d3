import { makeFigure, ratioGoal } from '../lib/figures.js';
import { memsyncFlow, relayFlow } from './mesh-flow.js';
import type { Scenario } from './types.js';

const WINDOW = 256;

/** One clientOnly writer -> host -> one clientOnly reader: patches/s the reader sees. */
export const throughput: Scenario = {
  id: 'throughput',
  title: 'Throughput: writer -> host -> reader',
  async run(context) {
    const patches = context.quick ? 20_000 : 100_000;
    const options = { processes: 3, patches, window: WINDOW };
    const memsync: number[] = [];
    const relay: number[] = [];
    for (let run = 1; run <= context.runs; run++) {
      // Interleaved, so that drift on the machine touches both alike.
      relay.push((await relayFlow(context, options)).clients[0]!);
      memsync.push((await memsyncFlow(context, options)).clients[0]!);
      context.log(
        `throughput run ${run}: memsync ${memsync.at(-1)!.toFixed(0)}/s, relay ${relay.at(-1)!.toFixed(0)}/s`,
      );
    }
    const figure = makeFigure(
      'throughput',
      `$inc, ${WINDOW} in flight, ${patches.toLocaleString('en-US')} patches`,
      'patches/s',
      memsync,
      {
        baseline: relay,
      },
    );
    figure.goal = ratioGoal(figure, 0.5, 'atLeast');
    return {
      figures: [figure],
      reading:
        'Each patch crosses two sockets and is parsed, schema-checked and validated on the host, applied ' +
        'on all three replicas, and pushed through the observe layer; the relay only parses and forwards. ' +
        'The gap to the relay is that per-patch CPU work, not the sockets.',
    };
  },
};
