/**
 * What one process of the mixed workload (#18) spends per entry, in one process, by CPU time
 * (user + system, so it moves less with the machine's load than wall time):
 * `node --import tsx scripts/wide-view-cost.ts [DIR]`, DIR a checkout (default: this one),
 * so the same script measures another tree.
 *
 * A replica of a 10,000-key document and an optimistic view over it with 256 own `$inc`s
 * pending (the unawaited rows' window), then, per round:
 * - `foreign`: another writer's `$inc` of a random key confirmed (replica and view);
 * - `own`: the oldest own patch confirmed and a new one proposed;
 * - `ownSet`: the same for two-key `$set`s (not lean), after another writer's `$inc` (also
 *   counted: two entries per call), on a view of its own;
 * - `read`: a read of a random key of the view (the key's name built each time);
 * - `apply` / `applyBatch`: a lone replica's `$inc` of a random key, one by one and in frames
 *   of 64 (the apply rows of the 10,000-key document).
 * Printed: the median over the last rounds, in microseconds.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

interface Entry {
  version: number;
  epoch: number;
  patch: { peer: string; seq: number; ts: number; update: { $inc: Record<string, number> } };
}
interface ReplicaLike {
  apply(entry: Entry): unknown;
  applyBatch(entries: Entry[]): unknown;
}
interface ViewLike {
  propose(patch: Entry['patch']): unknown;
  confirm(entry: Entry): unknown;
  readonly state: Record<string, unknown>;
  readonly replays: number;
}
interface DocumentModule {
  Replica: new (initial: Record<string, number>) => ReplicaLike;
  OptimisticView: new (replica: ReplicaLike, peer: string) => ViewLike;
}

const KEYS = 10_000;
const PENDING = 256;
const ROUNDS = 12;
const KEPT = 8;

const cpuMs = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

/** Microseconds of CPU per call of `body`, over `count` calls. */
function cost(count: number, body: () => void): number {
  const began = cpuMs();
  for (let i = 0; i < count; i++) body();
  return ((cpuMs() - began) * 1000) / count;
}

const median = (values: number[]): number => {
  const sorted = values.slice(-KEPT).sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

async function main(): Promise<void> {
  const dir = resolve(process.argv[2] ?? '.');
  const { Replica, OptimisticView } = (await import(pathToFileURL(`${dir}/src/document/index.ts`).href)) as DocumentModule;
  const initial: Record<string, number> = {};
  for (let i = 0; i < KEYS; i++) initial[`k${i}`] = 0;
  let x = 99;
  const random = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4_294_967_296;
  };
  const key = (): string => `k${Math.floor(random() * KEYS)}`;

  const replica = new Replica(initial);
  const view = new OptimisticView(replica, 'me');
  let version = 0;
  let seq = 0;
  let foreignSeq = 0;
  let ts = 1_000_000;
  const pending: Entry['patch'][] = [];
  const propose = (): void => {
    const patch = { peer: 'me', seq: ++seq, ts: ++ts, update: { $inc: { [key()]: 1 } } };
    pending.push(patch);
    view.propose(patch);
  };
  for (let i = 0; i < PENDING; i++) propose();
  const foreign = (): void => {
    const writer = foreignSeq % 7;
    const patch = { peer: `o${writer}`, seq: Math.floor(foreignSeq++ / 7) + 1, ts: ++ts, update: { $inc: { [key()]: 1 } } };
    view.confirm({ version: ++version, epoch: 1, patch });
  };
  const own = (): void => {
    const patch = pending.shift()!;
    // A copy, as it comes back from the host.
    view.confirm({ version: ++version, epoch: 1, patch: JSON.parse(JSON.stringify(patch)) as Entry['patch'] });
    propose();
  };
  // The same with own patches the lean path does not take (a `$set` of two keys), each
  // confirmed after another writer's entry (so the view is stale, as under load).
  // Own patches write the first half of the keys, the other writer the second: no replays.
  const half = (which: number): string => `k${which * (KEYS / 2) + Math.floor(random() * (KEYS / 2))}`;
  const setReplica = new Replica(initial);
  const setView = new OptimisticView(setReplica, 'me');
  let setVersion = 0;
  let setSeq = 0;
  let setForeign = 0;
  const setPending: Entry['patch'][] = [];
  const proposeSet = (): void => {
    const update = { $set: { [half(0)]: setSeq, [half(0)]: setSeq } } as unknown as Entry['patch']['update'];
    const patch = { peer: 'me', seq: ++setSeq, ts: ++ts, update };
    setPending.push(patch);
    setView.propose(patch);
  };
  for (let i = 0; i < PENDING; i++) proposeSet();
  const ownSet = (): void => {
    const other = { peer: 'o', seq: ++setForeign, ts: ++ts, update: { $inc: { [half(1)]: 1 } } };
    setView.confirm({ version: ++setVersion, epoch: 1, patch: other });
    const patch = setPending.shift()!;
    setView.confirm({ version: ++setVersion, epoch: 1, patch: JSON.parse(JSON.stringify(patch)) as Entry['patch'] });
    proposeSet();
  };
  let sink = 0;
  const read = (): void => {
    sink += view.state[key()] as number;
  };

  const lone = new Replica(initial);
  let loneVersion = 0;
  const loneEntry = (): Entry => ({
    version: ++loneVersion,
    epoch: 1,
    patch: { peer: 'p', seq: loneVersion, ts: 1000 + loneVersion, update: { $inc: { [key()]: 1 } } },
  });

  const rows: Record<string, number[]> = { foreign: [], own: [], ownSet: [], read: [], apply: [], applyBatch: [] };
  for (let round = 0; round < ROUNDS; round++) {
    rows.foreign!.push(cost(20_000, foreign));
    rows.own!.push(cost(5_000, own));
    rows.ownSet!.push(cost(2_000, ownSet));
    rows.read!.push(cost(200_000, read));
    rows.apply!.push(cost(20_000, () => lone.apply(loneEntry())));
    rows.applyBatch!.push(cost(300, () => lone.applyBatch(Array.from({ length: 64 }, loneEntry))) / 64);
  }
  const shown = Object.entries(rows).map(([name, values]) => `${name} ${median(values).toFixed(name === 'read' ? 3 : 2)}`);
  console.log(`${dir}: CPU us per call: ${shown.join(', ')} (view replays ${view.replays} and ${setView.replays}, ${sink > 0 ? 'read' : 'none'})`);
}

await main();
