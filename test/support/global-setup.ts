import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { bundleForNode } from './bundle.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** This run's directory: the bundled worker (worker.mjs) and the pids it forked (pids.txt). */
    memsyncRunDir: string;
  }
}

/**
 * Bundles the test worker once per run (tsx would cost ~300 ms per forked process), and at
 * the end kills any worker a failed test left behind. Each run has a directory of its own,
 * so two runs on one machine never kill each other's workers nor rebuild under each other.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const runDir = join(import.meta.dirname, '..', '..', 'node_modules', '.memsync-test', `run-${process.pid}`);
  mkdirSync(runDir, { recursive: true });
  await bundleForNode(join(import.meta.dirname, 'worker-main.ts'), join(runDir, 'worker.mjs'));
  project.provide('memsyncRunDir', runDir);
  return () => {
    let pids: string[] = [];
    try {
      pids = readFileSync(join(runDir, 'pids.txt'), 'utf8').split('\n').filter(Boolean);
    } catch {
      // no worker was forked
    }
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(runDir, { recursive: true, force: true });
  };
}
