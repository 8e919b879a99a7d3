/**
 * Measures the document layer and the message checks alone, in a process of their own so
 * that each measurement starts from a clean heap and a cold JIT, as a real process would.
 * The first tenth of each workload runs untimed, to let the JIT settle.
 */
import { Replica, validatePatchInput } from '../../src/document/index.js';
import type { JsonObject, OrderedPatch, Patch, Update } from '../../src/index.js';
import { parseMessage } from '../../src/protocol/messages.js';
import { type ApplyKind, entriesPerRun, type MicroCommand, type MicroResults, type ValidationKind } from './micro-commands.js';
import { freezeCost } from './freeze-cost.js';
import { CHUNK_BYTES, recordsChunk } from './records.js';
import { measureReader } from './reader-pipeline.js';
import { collectGarbage, serve } from './serve.js';

/** The update of patch number `i` of each kind. */
const PATCHES: Record<ApplyKind, (i: number) => Pick<Patch, 'update' | 'if'>> = {
  inc: () => ({ update: { $inc: { n: 1 } } }),
  set2: (i) => ({ update: { $set: { 'a.x': i, 'b.y': i } } }),
  conditionalInc: () => ({ update: { $inc: { n: 1 } }, if: { n: { $gte: 0 } } }),
  // Bounded by $slice: an array growing without end would measure its copy, not the push.
  pushEach: (i) => ({
    update: { $push: { list: { $each: [i, i + 1, i + 2], $slice: -100 } } } as Update,
  }),
  incWide: (i) => ({ update: { $inc: { [`k${i % WIDE_KEYS}`]: 1 } } }),
  setNested100k: (i) => nestedSet(i, 100_000),
  setNested500k: (i) => nestedSet(i, 500_000),
};

/** Paths of each `setNested*` patch, spread over the nested object (issue #11, large documents). */
const NESTED_PATHS = 1000;

function nestedSet(i: number, keys: number): Pick<Patch, 'update'> {
  const step = Math.floor(keys / NESTED_PATHS);
  const fields: Record<string, number> = {};
  for (let j = 0; j < NESTED_PATHS; j++) fields[`users.u${(j * step + i) % keys}`] = i;
  return { update: { $set: fields } };
}

function nestedKeys(kind: ApplyKind): number | undefined {
  return kind === 'setNested100k' ? 100_000 : kind === 'setNested500k' ? 500_000 : undefined;
}

/** The top-level keys of the `incWide` document: the mixed scenario's document. */
const WIDE_KEYS = 10_000;

function entries(kind: ApplyKind, count: number): OrderedPatch[] {
  return Array.from({ length: count }, (_, k) => {
    const i = k + 1;
    return { version: i, epoch: 1, patch: { peer: 'writer', seq: i, ts: i, ...PATCHES[kind](i) } };
  });
}

function apply(kind: ApplyKind, requested: number, batch: number | undefined): number {
  const initial: JsonObject = { n: 0, a: { x: 0 }, b: { y: 0 }, list: [] };
  const nested = nestedKeys(kind);
  const count = entriesPerRun(kind, requested);
  if (kind === 'incWide') for (let k = 0; k < WIDE_KEYS; k++) initial[`k${k}`] = 0;
  if (nested !== undefined) {
    const users: JsonObject = {};
    for (let k = 0; k < nested; k++) users[`u${k}`] = 0;
    initial.users = users;
  }
  const replica = new Replica(initial);
  const all = entries(kind, count);
  const warm = Math.floor(count / 10);
  let applied = 0;
  const run = (from: number, to: number) => {
    if (batch === undefined) {
      for (let i = from; i < to; i++) applied += replica.apply(all[i]!).applied ? 1 : 0;
      return;
    }
    for (let i = from; i < to; i += batch) {
      for (const outcome of replica.applyBatch(all.slice(i, Math.min(to, i + batch)))) applied += outcome.applied ? 1 : 0;
    }
  };
  run(0, warm);
  const began = process.hrtime.bigint();
  run(warm, count);
  const ns = Number(process.hrtime.bigint() - began);
  if (applied !== count) throw new Error(`${kind}: only ${applied} of ${count} applied`);
  return ((count - warm) / ns) * 1e9;
}

const incPatch: Patch = {
  peer: 'writer-abc123',
  seq: 1,
  ts: 1_760_000_000_000,
  update: { $inc: { n: 1 } },
};
const setPatch: Patch = { ...incPatch, update: { $set: { 'a.x': 1, 'b.y': 'two' } } };

/** Each check, on the value as JSON.parse hands it over. */
const CHECKS: Record<ValidationKind, () => unknown> = {
  parseSubmit: (
    (m) => () =>
      parseMessage(m)
  )(JSON.parse(JSON.stringify({ type: 'submit', epoch: 1, patches: [incPatch] }))),
  parseEntries: (
    (m) => () =>
      parseMessage(m)
  )(
    JSON.parse(
      JSON.stringify({
        type: 'entries',
        epoch: 1,
        entries: [{ version: 1, epoch: 1, patch: incPatch }],
      }),
    ),
  ),
  validateInc: (
    (p) => () =>
      validatePatchInput(p)
  )(JSON.parse(JSON.stringify(incPatch))),
  validateSet2: (
    (p) => () =>
      validatePatchInput(p)
  )(JSON.parse(JSON.stringify(setPatch))),
};

function validate(kind: ValidationKind, count: number): number {
  const check = CHECKS[kind];
  let sink = 0;
  const warm = Math.floor(count / 10);
  for (let i = 0; i < warm; i++) sink += check() ? 1 : 0;
  const began = process.hrtime.bigint();
  for (let i = warm; i < count; i++) sink += check() ? 1 : 0;
  const ns = Number(process.hrtime.bigint() - began);
  if (sink !== count) throw new Error(`${kind}: a check failed`);
  return ns / (count - warm);
}

function plainHeap(mb: number): MicroResults['plainHeap'] {
  const chunks = Math.max(1, Math.round((mb * 1024 * 1024) / CHUNK_BYTES));
  const document: JsonObject = {};
  for (let i = 0; i < chunks; i++) document[`c${i}`] = recordsChunk(i);
  const text = JSON.stringify(document);
  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  const parsed: unknown = JSON.parse(text);
  collectGarbage();
  const heapBytes = process.memoryUsage().heapUsed - before;
  if (typeof parsed !== 'object') throw new Error('unreachable');
  return { heapBytes, jsonBytes: text.length };
}

serve(async (raw) => {
  const command = raw as MicroCommand;
  switch (command.cmd) {
    case 'apply':
      return Object.fromEntries(command.kinds.map((kind) => [kind, apply(kind, command.count, command.batch)]));
    case 'freeze':
      return Object.fromEntries(command.kinds.map((kind) => [kind, freezeCost(kind, command.count)]));
    case 'validate':
      return Object.fromEntries(command.kinds.map((kind) => [kind, validate(kind, command.count)]));
    case 'plainHeap':
      return plainHeap(command.mb);
    case 'reader':
      return Object.fromEntries(command.kinds.map((kind) => [kind, measureReader(kind, command.entries)]));
  }
});
