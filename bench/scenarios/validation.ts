import { type Figure, makeFigure } from '../lib/figures.js';
import type { ValidationKind } from '../workers/micro-commands.js';
import { measureMicro } from './micro.js';
import type { Scenario } from './types.js';

const KINDS: { kind: ValidationKind; label: string }[] = [
  { kind: 'parseSubmit', label: "parseMessage: 'submit' with one $inc patch" },
  { kind: 'parseEntries', label: "parseMessage: 'entries' with one entry" },
  { kind: 'validateInc', label: 'validatePatchInput: $inc { n: 1 }' },
  { kind: 'validateSet2', label: 'validatePatchInput: two-path $set' },
];

/** What checking one inbound message costs: the compiled TypeBox schema, then the patch validator. */
export const validation: Scenario = {
  id: 'validation',
  title: 'Validation cost per message',
  async run(context) {
    const count = context.quick ? 300_000 : 1_000_000;
    const figures: Figure[] = [];
    for (const { kind, label } of KINDS) {
      const runs: number[] = [];
      for (let run = 0; run < context.runs; run++)
        runs.push(await measureMicro(context, { cmd: 'validate', kind, count }));
      figures.push(makeFigure(`validation.${kind}`, label, 'ns/op', runs));
      context.log(`validation ${kind}: ${figures.at(-1)!.value.median.toFixed(0)} ns`);
    }
    return {
      figures,
      reading:
        'The schema check is a compiled function of property tests; the validator walks the update, ' +
        'checks every key against the allow-list and the limits, and deep-copies it.',
    };
  },
};
