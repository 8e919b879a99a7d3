/**
 * The document layer's share of one process of the mixed workload (#18, writes not awaited),
 * in one process, by CPU time: `node --import tsx scripts/mixed-replica-cost.ts [DIR] [P]`, DIR
 * a checkout (default: this one; the same script measures another tree), P the processes of
 * the mesh (default 4).
 *
 * A replica of a 10,000-key document with an optimistic view over it and 256 own `$inc`s of
 * random keys in flight, as in the bench's loop. Per round of the mesh (one write of each of
 * the P processes), this process:
 * - receives P - 1 entries of other writers, parsed from JSON as from a frame: checked
 *   (`checkParsedPatch`, as a client checks its host's input) and confirmed on the view;
 * - writes once: the update validated (`validatePatchInput`, as `patch()` does) and proposed;
 * - receives its oldest own write back, parsed from JSON, and confirms it.
 * Printed, in microseconds of CPU (median of the last rounds): per foreign entry, per own
 * write (validate + propose + confirm), and per write of the mesh (what this replica spends
 * for each write any process makes: ((P - 1) foreign + 1 own) / P).
 * What it leaves out: framing, decoding, sockets, the entry log, the outbox and observers.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

interface Patch {
  peer: string;
  seq: number;
  ts: number;
  update: Record<string, Record<string, number>>;
}
interface Entry {
  version: number;
  epoch: number;
  patch: Patch;
}
interface ViewLike {
  propose(patch: Patch): unknown;
  confirm(entry: Entry): unknown;
  readonly replays: number;
}
interface DocumentModule {
  Replica: new (initial: Record<string, number>) => object;
  OptimisticView: new (replica: object, peer: string) => ViewLike;
  checkParsedPatch(input: { update: unknown }): void;
  validatePatchInput(input: { update: unknown }): { update: Patch['update'] };
}

const KEYS = 10_000;
const IN_FLIGHT = 256;
const ROUNDS = 12;
const KEPT = 8;
const PER_ROUND = 4_000;

const cpuMicros = (): number => {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
};

const median = (values: number[]): number => {
  const sorted = values.slice(-KEPT).sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

async function main(): Promise<void> {
  const dir = resolve(process.argv[2] ?? '.');
  const processes = Number(process.argv[3] ?? 4);
  const doc = (await import(pathToFileURL(`${dir}/src/document/index.ts`).href)) as DocumentModule;
  const initial: Record<string, number> = {};
  for (let i = 0; i < KEYS; i++) initial[`k${i}`] = 0;
  let x = 12345;
  const random = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4_294_967_296;
  };
  const names = Array.from({ length: KEYS }, (_, i) => `k${i}`);
  const view = new doc.OptimisticView(new doc.Replica(initial), 'me');
  let version = 0;
  let seq = 0;
  let ts = 1_000_000;
  const foreignSeqs = new Array<number>(processes).fill(0);
  const sent: string[] = [];
  const write = (): void => {
    const body = doc.validatePatchInput({ update: { $inc: { [names[Math.floor(random() * KEYS)]!]: 1 } } });
    const patch: Patch = { peer: 'me', seq: ++seq, ts: ++ts, update: body.update };
    view.propose(patch);
    sent.push(JSON.stringify(patch));
  };
  for (let i = 0; i < IN_FLIGHT; i++) write();
  const foreign = (writer: number): void => {
    const text = `{"peer":"o${writer}","seq":${++foreignSeqs[writer]!},"ts":${++ts},"update":{"$inc":{"${names[Math.floor(random() * KEYS)]}":1}}}`;
    const patch = JSON.parse(text) as Patch;
    doc.checkParsedPatch(patch);
    view.confirm({ version: ++version, epoch: 1, patch });
  };
  const own = (): void => {
    write();
    view.confirm({ version: ++version, epoch: 1, patch: JSON.parse(sent.shift()!) as Patch });
  };
  /** What building the entries' text costs alone, taken off the foreign row. */
  let sink = 0;
  const parseOnly = (writer: number): void => {
    const text = `{"peer":"o${writer}","seq":${foreignSeqs[writer]! + 1},"ts":${ts + 1},"update":{"$inc":{"${names[Math.floor(random() * KEYS)]}":1}}}`;
    sink += (JSON.parse(text) as Patch).seq;
  };
  const rows = { foreign: [] as number[], own: [] as number[], perMeshWrite: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    let began = cpuMicros();
    for (let i = 0; i < PER_ROUND; i++) for (let w = 1; w < processes; w++) parseOnly(w);
    const parse = cpuMicros() - began;
    began = cpuMicros();
    for (let i = 0; i < PER_ROUND; i++) for (let w = 1; w < processes; w++) foreign(w);
    const foreignMicros = cpuMicros() - began;
    began = cpuMicros();
    for (let i = 0; i < PER_ROUND; i++) own();
    const ownMicros = cpuMicros() - began;
    rows.foreign.push(foreignMicros / (PER_ROUND * (processes - 1)));
    rows.own.push(ownMicros / PER_ROUND);
    rows.perMeshWrite.push((foreignMicros + ownMicros - parse) / (PER_ROUND * processes));
  }
  console.log(
    `${dir} P=${processes}: CPU us: foreign entry ${median(rows.foreign).toFixed(2)}, own write ${median(rows.own).toFixed(2)}, ` +
      `per write of the mesh (text parse excluded) ${median(rows.perMeshWrite).toFixed(2)} (replays ${view.replays}, ${sink > 0 ? 'ok' : '-'})`,
  );
}

await main();
