/**
 * `npm run chaos -- --seconds 60 [--processes 5] [--doc-bytes 1000000] [--seed N]`: the chaos
 * run (chaos-run.ts) from the command line. Exits 1 when anything is missing, doubled or
 * divergent.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bundleForNode } from '../support/bundle.js';
import { describeChaos, runChaos } from './chaos-run.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    processes: { type: 'string', default: '5' },
    'doc-bytes': { type: 'string', default: '1000000' },
    seed: { type: 'string' },
  },
});
const seconds = Math.min(600, Math.max(1, Number(values.seconds)));
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
// Beside node_modules, so the bundle's external imports resolve.
const build = join(import.meta.dirname, '..', '..', 'node_modules', '.memsync-chaos', `run-${process.pid}`);
mkdirSync(build, { recursive: true });
try {
  const workerFile = await bundleForNode(join(import.meta.dirname, 'chaos-worker.ts'), join(build, 'chaos-worker.mjs'));
  const result = await runChaos({
    seconds,
    processes: Number(values.processes),
    docBytes: Number(values['doc-bytes']),
    seed,
    workerFile,
    log: (line) => console.log(line),
  });
  console.log(describeChaos(result, seconds));
  for (const problem of result.problems) console.log(`  problem: ${problem}`);
  console.log(`command: npm run chaos -- --seconds ${seconds} --processes ${values.processes} --doc-bytes ${values['doc-bytes']} --seed ${seed}`);
  process.exitCode = result.problems.length === 0 ? 0 : 1;
} finally {
  rmSync(build, { recursive: true, force: true });
}
