import { type Figure, makeFigure } from '../lib/figures.js';
import type { ValidationKind } from '../workers/micro-commands.js';
import { measureKinds, measureMicro } from './micro.js';
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
    const count = context.quick ? 200_000 : 1_000_000;
    const runs = await measureKinds(
      context.runs,
      KINDS.map((k) => k.kind),
      (kinds) => measureMicro(context, { cmd: 'validate', kinds, count }),
    );
    const figures: Figure[] = KINDS.map(({ kind, label }) => {
      context.log(`validation ${kind}: ${runs[kind].map((r) => r.toFixed(0)).join(', ')} ns`);
      return makeFigure(`validation.${kind}`, label, 'ns/op', runs[kind]);
    });
    return {
      figures,
      reading:
        'The schema check is one compiled function of property tests; the validator walks the ' +
        'update, checks every key against the allow-list and the limits, and deep-copies it (a ' +
        "caller's object could change later), so it grows with the size of the patch. Replicas " +
        'receiving ordered entries check the freshly parsed patch in place, with no copy.',
    };
  },
};
