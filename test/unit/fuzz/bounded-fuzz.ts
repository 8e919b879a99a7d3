/**
 * Runs a fuzz property in a worker thread under a watchdog: when one case runs longer than
 * `caseTimeoutMs`, the worker is terminated and the run fails naming the seed and the case,
 * which replays it. The worker is bundled with esbuild, as the test workers are.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { bundleForNode } from '../../support/bundle.js';
import { RUN_DIR as BUILD_DIR } from '../../support/run-dir.js';
import type { FuzzPropertyName } from './fuzz-properties.js';
import type { FuzzWorkerInput, FuzzWorkerOutput } from './fuzz-worker.js';

const bundle = join(BUILD_DIR, `fuzz-worker-${process.pid}.mjs`);
let built: Promise<string> | undefined;

function buildWorker(): Promise<string> {
  built ??= bundleForNode(join(import.meta.dirname, 'fuzz-worker.ts'), bundle);
  return built;
}

/** Removes this process's worker bundle. */
export function removeFuzzBundle(): void {
  rmSync(bundle, { force: true });
}

export interface FuzzRun extends FuzzWorkerOutput {
  name: FuzzPropertyName;
  seed: number;
}

/** Runs `name` for `numRuns` cases from `seed`; rejects if a case hangs or the worker dies. */
export async function runBoundedFuzz(
  name: FuzzPropertyName,
  numRuns: number,
  seed: number,
  caseTimeoutMs = 5_000,
): Promise<FuzzRun> {
  const entry = await buildWorker();
  const progress = new Int32Array(new SharedArrayBuffer(4));
  const input: FuzzWorkerInput = { name, numRuns, seed, progress };
  const worker = new Worker(entry, { workerData: input });
  return new Promise<FuzzRun>((resolve, reject) => {
    let lastCase = -1;
    let lastChange = Date.now();
    const finish = (settle: () => void): void => {
      clearInterval(watchdog);
      worker.removeAllListeners();
      settle();
    };
    const watchdog = setInterval(() => {
      const current = Atomics.load(progress, 0);
      if (current !== lastCase) {
        lastCase = current;
        lastChange = Date.now();
        return;
      }
      if (Date.now() - lastChange <= caseTimeoutMs) return;
      finish(() =>
        reject(
          new Error(
            `fuzz '${name}' (seed ${seed}): case ${current} ` +
              `still running after ${caseTimeoutMs} ms`,
          ),
        ),
      );
      void worker.terminate();
    }, 50);
    worker.once('message', (output: FuzzWorkerOutput) =>
      finish(() => resolve({ ...output, name, seed })),
    );
    worker.once('error', (error) => finish(() => reject(error)));
    worker.once('exit', (code) =>
      finish(() => reject(new Error(`fuzz worker '${name}' exited with ${code} before answering`))),
    );
  });
}
