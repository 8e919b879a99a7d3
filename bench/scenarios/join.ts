import { makeFigure, valueGoal } from '../lib/figures.js';
import { joinRuns } from './document-mesh.js';
import type { Scenario } from './types.js';

/** A fresh clientOnly process joins a host holding a document of 1, 10 (and 50) MB. */
export const join: Scenario = {
  id: 'join',
  title: 'Join: start() -> synced, fresh process',
  async run(context) {
    const sizes = context.quick ? [1, 10] : [1, 10, 50];
    const figures = [];
    for (const mb of sizes) {
      const pairs = await joinRuns(context, mb);
      const megabytes = pairs[0]!.jsonBytes / 1e6;
      const figure = makeFigure(
        `join.${mb}mb`,
        `${mb} MB document (${megabytes.toFixed(1)} MB of JSON)`,
        'ms',
        pairs.map((p) => p.joinMs),
      );
      if (mb === 10) figure.goal = valueGoal(figure.value.median, 150, 'atMost', 'ms');
      figures.push(figure);
    }
    return {
      figures,
      reading:
        'The host streams the state as JSON text in 1 MB parts inside snapshot messages; the joiner ' +
        'checks each message, joins the parts, parses the whole and checks and copies the snapshot ' +
        'into a replica. Every step is linear in the document, so the time per MB is what to read.',
    };
  },
};
