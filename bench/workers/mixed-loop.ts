/**
 * The mixed workload, the same loop for every system: one operation at a time, each awaited
 * when it is asynchronous, `writeShare` of them writes and the rest reads, of keys drawn
 * uniformly from the document's, for a fixed time. Every 16th read is timed (timing each
 * would cost as much as a local read itself); the times are kept as a uniform sample.
 *
 * With `awaitWrites: false` a write is issued and the loop goes on (up to
 * {@link MAX_WRITES_IN_FLIGHT} unanswered, then it waits for the oldest): what an app does
 * that needs no answer from each write. Reads are still awaited. The clock stops only once
 * every write issued has been acknowledged, and only acknowledged writes are counted.
 */

export interface MixedArgs {
  seconds: number;
  /** Keys k0 .. k(keys-1). */
  keys: number;
  /** Fraction of operations that are writes, e.g. 0.05. */
  writeShare: number;
  /** Await each write before the next operation (default); false: keep writes in flight. */
  awaitWrites?: boolean;
}

/** Writes a process keeps unanswered at most when it does not await each. */
export const MAX_WRITES_IN_FLIGHT = 256;

export interface MixedResult {
  ops: number;
  reads: number;
  writes: number;
  /** How long the loop ran, in milliseconds. */
  ms: number;
  /** Timed reads, p50 and p99, in microseconds. */
  readP50: number;
  readP99: number;
  /** Two clock reads back to back, p50, in microseconds: the floor under every timed read. */
  clockP50: number;
}

export interface MixedStore {
  /** A value, or a promise of it for a store that reads over the network. */
  read(key: string): unknown;
  write(key: string): Promise<unknown>;
}

const SAMPLE_CAP = 20_000;
const TIME_EVERY = 16;
/** How many operations between two looks at the clock. */
const CLOCK_EVERY = 64;

/** A small deterministic generator (xorshift32): the same sequence of keys in every run. */
function generator(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4_294_967_296;
  };
}

const isPromise = (value: unknown): value is Promise<unknown> =>
  typeof (value as { then?: unknown } | null)?.then === 'function';

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** The median cost of timing nothing: on a virtual machine the clock alone can take a microsecond. */
function clockCost(): number {
  const costs = new Float64Array(2000);
  for (let i = 0; i < costs.length; i++) {
    const start = performance.now();
    costs[i] = (performance.now() - start) * 1000;
  }
  return percentile(costs.sort(), 0.5);
}

export async function mixedLoop(store: MixedStore, args: MixedArgs, seed: number): Promise<MixedResult> {
  const clockP50 = clockCost();
  const names = Array.from({ length: args.keys }, (_, i) => `k${i}`);
  const random = generator(seed);
  const samples = new Float64Array(SAMPLE_CAP);
  let sampled = 0;
  let timed = 0;
  let reads = 0;
  let writes = 0;
  let issued = 0;
  /** Unawaited writes, oldest first, from `head` on. */
  let inFlight: Promise<void>[] = [];
  let head = 0;
  const acknowledged = (): void => {
    writes++;
  };
  const began = performance.now();
  const deadline = began + args.seconds * 1000;
  for (let op = 0; ; op++) {
    if (op % CLOCK_EVERY === 0 && performance.now() >= deadline) break;
    const key = names[Math.floor(random() * names.length)]!;
    if (random() < args.writeShare) {
      if (args.awaitWrites !== false) {
        await store.write(key);
        writes++;
        continue;
      }
      issued++;
      inFlight.push(store.write(key).then(acknowledged));
      if (inFlight.length - head >= MAX_WRITES_IN_FLIGHT) await inFlight[head++];
      if (head >= 1024) {
        inFlight = inFlight.slice(head);
        head = 0;
      }
      continue;
    }
    reads++;
    if (reads % TIME_EVERY !== 0) {
      const value = store.read(key);
      if (isPromise(value)) await value;
      continue;
    }
    const start = performance.now();
    const value = store.read(key);
    if (isPromise(value)) await value;
    const micros = (performance.now() - start) * 1000;
    // Reservoir sampling: every timed read equally likely to be kept.
    timed++;
    if (sampled < SAMPLE_CAP) samples[sampled++] = micros;
    else {
      const slot = Math.floor(random() * timed);
      if (slot < SAMPLE_CAP) samples[slot] = micros;
    }
  }
  // Every write answered before the clock stops.
  await Promise.all(inFlight.slice(head));
  const ms = performance.now() - began;
  if (args.awaitWrites === false && writes !== issued) throw new Error(`${issued - writes} of ${issued} writes not acknowledged`);
  const kept = samples.subarray(0, sampled).sort();
  return { ops: reads + writes, reads, writes, ms, readP50: percentile(kept, 0.5), readP99: percentile(kept, 0.99), clockP50 };
}
