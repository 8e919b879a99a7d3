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
        'it (the relay\'s JSON frames). The memsync row takes the frames a host sends (the compact frames: ' +
        'binary numbers, version and epoch once per frame, every update of the frame in one JSON ' +
        'text) through everything a replica does: the decoder\'s checks (the schema\'s bounds), ' +
        'the patch check against the allow-list, the apply (a one-path $set/$inc/$unset takes the ' +
        'lean path, src/document/lean.ts: no plan or copy-on-write machinery), the timestamp and ' +
        'exactly-once tables, the catch-up log and one observer. With N processes on two cores ' +
        'every replica does this for every patch, so the fan-out ratio to the relay tends to this ' +
        'one as N grows (worse in real processes, where more garbage, colder caches and the ' +
        'socket reads cost more). A frame\'s entries are applied as one copy-on-write batch ' +
        '(ReplicaCore.beginFrame, as this row does).',
    };
  },
};
