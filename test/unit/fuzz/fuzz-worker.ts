/**
 * Runs one fuzz property in a worker thread. The case number goes into shared memory as each
 * case starts, so the parent can stop a case that hangs (a synchronous loop cannot be
 * interrupted from inside) and say which one it was.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FUZZ_PROPERTIES, type FuzzOutcome, type FuzzPropertyName } from './fuzz-properties.js';

/** What the parent hands over. */
export interface FuzzWorkerInput {
  name: FuzzPropertyName;
  numRuns: number;
  seed: number;
  /** One Int32: the number of the case running now (1-based). */
  progress: Int32Array;
}

/** What the worker answers once the property has run. */
export type FuzzWorkerOutput = FuzzOutcome;

const input = workerData as FuzzWorkerInput;
const beat = (): void => {
  Atomics.add(input.progress, 0, 1);
};
const output: FuzzWorkerOutput = await FUZZ_PROPERTIES[input.name].check(beat, {
  numRuns: input.numRuns,
  seed: input.seed,
});
parentPort?.postMessage(output);
