import { type Figure, makeFigure, valueGoal } from '../lib/figures.js';
import { type ApplyKind, entriesPerRun, type FreezeKind } from '../workers/micro-commands.js';
import { median } from '../lib/stats.js';
import { measureKinds, measureMicro } from './micro.js';
import type { Scenario } from './types.js';

const KINDS: { kind: ApplyKind; label: string }[] = [
  { kind: 'inc', label: '$inc { n: 1 }' },
  { kind: 'set2', label: "$set { 'a.x', 'b.y' } (two paths)" },
  { kind: 'conditionalInc', label: '$inc if { n: { $gte: 0 } }' },
  { kind: 'pushEach', label: '$push { list: { $each: [3 items], $slice: -100 } }' },
  { kind: 'incWide', label: '$inc of one key of a 10,000-key document (the mixed scenario\'s)' },
  { kind: 'setNested100k', label: '$set of 1000 paths into one nested object of 100,000 keys' },
  { kind: 'setNested500k', label: '$set of 1000 paths into one nested object of 500,000 keys' },
];

/** Kinds also measured applied a frame at a time (Replica.applyBatch), and the frame's size. */
const BATCHED: ApplyKind[] = ['inc', 'set2', 'pushEach', 'incWide'];
const FRAME = 64;

/** The document layer alone: `Replica.apply` of ordered entries, patches/s. */
export const apply: Scenario = {
  id: 'apply',
  title: 'Apply: Replica.apply alone',
  async run(context) {
    const count = context.quick ? 50_000 : 400_000;
    const runs = await measureKinds(
      context.runs,
      KINDS.map((k) => k.kind),
      (kinds) => measureMicro(context, { cmd: 'apply', kinds, count }),
    );
    const figures: Figure[] = KINDS.map(({ kind, label }) => {
      const figure = makeFigure(`apply.${kind}`, label, 'patches/s', runs[kind], {
        note: `${entriesPerRun(kind, count).toLocaleString('en-US')} entries per run`,
      });
      if (kind === 'inc') figure.goal = valueGoal(figure.value.median, 300_000, 'atLeast', 'patches/s');
      context.log(`apply ${kind}: ${runs[kind].map((r) => r.toFixed(0)).join(', ')} patches/s`);
      return figure;
    });
    // The batched copy-on-write apply (batch.ts): what a frame's entries cost applied in one pass.
    const batched = await measureKinds(context.runs, BATCHED, (kinds) => measureMicro(context, { cmd: 'apply', kinds, count, batch: FRAME }));
    for (const kind of BATCHED) {
      const label = KINDS.find((k) => k.kind === kind)!.label;
      figures.push(
        makeFigure(`apply.batched.${kind}`, `${label}: frames of ${FRAME} as one copy-on-write pass (Replica.applyBatch)`, 'patches/s', batched[kind], {
          baseline: runs[kind],
          baselineName: 'one by one (Replica.apply)',
        }),
      );
      context.log(`apply batched ${kind}: ${batched[kind].map((r) => r.toFixed(0)).join(', ')} patches/s`);
    }
    // Frozen reads: what freezing the fresh nodes costs each patch, beside what a patch costs.
    // The nested rows copy chunks (wide-root.ts), not the nodes freeze-cost.ts models.
    const FREEZE_KINDS = KINDS.filter((k): k is { kind: FreezeKind; label: string } => k.kind !== 'setNested100k' && k.kind !== 'setNested500k');
    const freezes = await measureKinds(
      context.runs,
      FREEZE_KINDS.map((k) => k.kind),
      (kinds) => measureMicro(context, { cmd: 'freeze', kinds, count: Math.floor(count / 4) }),
    );
    for (const { kind, label } of FREEZE_KINDS) {
      const perPatchNs = 1e9 / median(runs[kind]);
      const share = (100 * median(freezes[kind])) / perPatchNs;
      figures.push(
        makeFigure(`apply.freeze.${kind}`, `freezing what ${label} makes`, 'ns/patch', freezes[kind], {
          note: `about ${share.toFixed(0)}% of that patch's apply time`,
        }),
      );
      context.log(`freeze ${kind}: ${freezes[kind].map((r) => r.toFixed(0)).join(', ')} ns/patch (~${share.toFixed(0)}% of apply)`);
    }
    return {
      figures,
      reading:
        'Per entry: checks, a plan (paths parsed), the timestamp rule, the update on a ' +
        'copy-on-write root, and stamps for the written paths. $set, $inc and $unset on plain ' +
        "object paths are applied directly (differential-tested against mingo); everything else " +
        "goes through mingo's update operators, whose general path walking costs several times more. " +
        'A patch copies every container on its path, in proportion to its keys, except a root ' +
        'of 65 keys or more: that one is kept in chunks of 32 keys, and a patch copies the ' +
        'chunks it writes and the list of chunks (the last row: one key of a 10,000-key ' +
        'document), on the writer and on every replica. Below the root, an object of 65 keys ' +
        'or more is chunked the same way once a patch writes into it (that first patch copies ' +
        'it whole, as before): the nested rows write 1000 paths spread over one object of ' +
        '100,000 or 500,000 keys, so each copies up to 1000 chunks and the list of chunks, ' +
        'whatever the object\'s size beyond that.',
    };
  },
};
