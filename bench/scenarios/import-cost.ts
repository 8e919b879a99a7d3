/**
 * What `import 'memsync'` costs a process: the package's ESM bundle (built here from src/ the
 * way scripts/build.mjs builds it) imported by a fresh Node process, timed inside it, next to
 * the dependencies it loads at import time, each alone in its own fresh process.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { BUILD_DIR } from '../lib/bundle.js';
import { type Figure, makeFigure } from '../lib/figures.js';
import type { Scenario } from './types.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** What each dependency brings in alone: the same module specifiers src/ imports. */
const DEPENDENCIES: { id: string; label: string; specifiers: string[] }[] = [
  {
    id: 'mingo',
    label: 'mingo (update operators, query, the expression operators it registers)',
    specifiers: [
      'mingo/core',
      'mingo/query',
      'mingo/util',
      'mingo/operators/update',
      'mingo/operators/query',
      'mingo/operators/expression/arithmetic',
      'mingo/operators/expression/boolean',
      'mingo/operators/expression/comparison',
      'mingo/operators/expression/conditional',
    ],
  },
  { id: 'typebox', label: '@sinclair/typebox with its compiler', specifiers: ['@sinclair/typebox', '@sinclair/typebox/compiler'] },
  { id: 'nodeipc', label: 'node-ipc', specifiers: ['node-ipc'] },
  { id: 'eventemitter3', label: 'eventemitter3', specifiers: ['eventemitter3'] },
];

/** Milliseconds a fresh process spends in `await import(...)` of `specifiers`, in order. */
function timeImport(specifiers: string[]): number {
  const body = `const t = performance.now(); for (const s of ${JSON.stringify(specifiers)}) await import(s); process.stdout.write(String(performance.now() - t));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', body], { cwd: ROOT, encoding: 'utf8' });
  return Number(out);
}

export const importCost: Scenario = {
  id: 'import',
  title: "Import cost of 'memsync'",
  async run(context) {
    const bundle = join(BUILD_DIR, 'memsync-package.mjs');
    await build({
      entryPoints: [join(ROOT, 'src', 'index.ts')],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'error',
    });
    const runs = context.quick ? Math.max(context.runs, 5) : Math.max(context.runs * 2, 10);
    const measure = (specifiers: string[]): number[] => Array.from({ length: runs }, () => timeImport(specifiers));
    // The bundle sits in node_modules/.memsync-bench, so its bare imports resolve from the project.
    const total = measure([pathToFileURL(bundle).href]);
    context.log(`import memsync: ${total.map((r) => r.toFixed(0)).join(', ')} ms`);
    const figures: Figure[] = [
      makeFigure('import.memsync', "import 'memsync' (ESM bundle, fresh process)", 'ms', total),
    ];
    for (const dependency of DEPENDENCIES) {
      const alone = measure(dependency.specifiers);
      context.log(`import ${dependency.id}: ${alone.map((r) => r.toFixed(0)).join(', ')} ms`);
      figures.push(makeFigure(`import.${dependency.id}`, `of which: ${dependency.label}, alone`, 'ms', alone));
    }
    return {
      figures,
      reading:
        "Importing memsync loads its dependencies and runs their top-level code; the rows below " +
        'are each of them alone in a fresh process (they overlap a little: shared Node built-ins ' +
        'load once). The rest is the bundle itself plus compiling the wire schema (TypeBox) at ' +
        'load. node-ipc is loaded only when a socket transport first listens or connects.',
    };
  },
};
