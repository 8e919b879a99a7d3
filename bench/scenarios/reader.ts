import { makeFigure } from '../lib/figures.js';
import type { ReaderKind } from '../workers/micro-commands.js';
import { measureKinds, measureMicro } from './micro.js';
import type { Scenario } from './types.js';

/**
 * What one replica does with every entry it receives, against what a relay reader does
 * (decode and parse), in one process: the ratio the fan-out figures tend to as the mesh grows.
 */
export const reader: Scenario = {
  id: 'reader',
  title: "A reader's work per entry, in one process",
  async run(context) {
    const entries = context.quick ? 64_000 : 320_000;
    const runs = await measureKinds<ReaderKind>(context.runs, ['parse', 'pipeline'], (kinds) =>
      measureMicro(context, { cmd: 'reader', kinds, entries }),
    );
    context.log(`reader parse: ${runs.parse.map((r) => r.toFixed(0)).join(', ')} ns/entry`);
    context.log(`reader pipeline: ${runs.pipeline.map((r) => r.toFixed(0)).join(', ')} ns/entry`);
    const figure = makeFigure(
      'reader.pipeline',
      'decode, parse, check, apply, log, observe one $inc entry (32 a frame)',
      'ns/entry',
      runs.pipeline,
      { baseline: runs.parse, baselineName: 'decode and parse only', note: `${entries.toLocaleString('en-US')} entries per run` },
    );
    return {
      figures: [figure],
      reading:
        'The baseline is all a relay reader does with an entry: find the frame and JSON.parse ' +
        'it. A replica also checks the message against the schema and the patch against the ' +
        'allow-list, applies it (a plan of its paths, a copy-on-write root, the timestamp and ' +
        'exactly-once tables), keeps it for catch-up and tells the observers. With N processes ' +
        'on two cores every replica does this for every patch, so the fan-out ratio to the relay ' +
        'tends to this one as N grows (a little worse in real processes, where more garbage and ' +
        'colder caches cost more): 0.5x the relay at 8 or 16 processes would need this ratio ' +
        'near 2. A client applies a frame as one copy-on-write batch (ReplicaCore.beginFrame, as ' +
        'this row does): ~1.3x less per entry than one by one in CPU time, but the update ' +
        'machinery per entry (a plan, the copy-on-write walk, the stamp and exactly-once tables) ' +
        'is unchanged, and that is what keeps this ratio well above 2.',
    };
  },
};
