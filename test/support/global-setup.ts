import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

/** Where the bundled test worker goes; tests read the path from WORKER_BUNDLE. */
export const BUILD_DIR = join(import.meta.dirname, '..', '..', 'node_modules', '.memsync-test');
export const PID_FILE = join(BUILD_DIR, 'pids.txt');

/**
 * Bundles the test worker once per run (tsx would cost ~300 ms per forked process), and at
 * the end kills any worker a failed test left behind: only pids this run recorded.
 */
export default async function setup(): Promise<() => void> {
  mkdirSync(BUILD_DIR, { recursive: true });
  rmSync(PID_FILE, { force: true });
  await build({
    entryPoints: [join(import.meta.dirname, 'worker-main.ts')],
    outfile: join(BUILD_DIR, 'worker.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
  return () => {
    let pids: string[] = [];
    try {
      pids = readFileSync(PID_FILE, 'utf8').split('\n').filter(Boolean);
    } catch {
      return;
    }
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
}
