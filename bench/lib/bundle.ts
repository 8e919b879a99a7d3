import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const BENCH_DIR = join(import.meta.dirname, '..');
/** Bundled workers live here, outside the source tree and out of git. */
export const BUILD_DIR = join(BENCH_DIR, '..', 'node_modules', '.memsync-bench');

/** The worker programs a scenario can fork. */
export type WorkerKind = 'memsync' | 'relay' | 'micro' | 'redis' | 'coldMemsync' | 'coldRedis' | 'coldBare';

const ENTRY_POINTS: Record<WorkerKind, string> = {
  memsync: join(BENCH_DIR, 'workers', 'memsync-worker.ts'),
  relay: join(BENCH_DIR, 'relay', 'relay-worker.ts'),
  micro: join(BENCH_DIR, 'workers', 'micro-worker.ts'),
  redis: join(BENCH_DIR, 'redis', 'redis-worker.ts'),
  coldMemsync: join(BENCH_DIR, 'workers', 'cold-memsync.ts'),
  coldRedis: join(BENCH_DIR, 'redis', 'cold-redis.ts'),
  coldBare: join(BENCH_DIR, 'workers', 'cold-bare.ts'),
};

/**
 * Bundles every worker once per run. A bundled worker starts in tens of milliseconds where
 * tsx would compile on each fork, and it runs the code a published build would run;
 * dependencies stay external, loaded from node_modules as an installed package would.
 */
export async function bundleWorkers(): Promise<Record<WorkerKind, string>> {
  const out = {} as Record<WorkerKind, string>;
  for (const [kind, entry] of Object.entries(ENTRY_POINTS) as [WorkerKind, string][]) {
    out[kind] = await bundleProgram(entry, `${kind}-worker.mjs`);
  }
  return out;
}

/** Bundles one program as the workers are, into BUILD_DIR/`name`; returns its path. */
export async function bundleProgram(entry: string, name: string): Promise<string> {
  mkdirSync(BUILD_DIR, { recursive: true });
  const outfile = join(BUILD_DIR, name);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'error',
  });
  return outfile;
}
