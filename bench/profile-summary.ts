/**
 * Reads the V8 CPU profiles written by `npm run bench -- --profile=DIR` and prints, for each
 * worker role, the functions with the most self time and the most total time, named by the
 * source file esbuild bundled them from.
 *
 *   node --import tsx bench/profile-summary.ts DIR [--top=N]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Line -> source module of a bundle, from the `// src/x.ts` markers esbuild writes. */
const bundles = new Map<string, { line: number; module: string }[]>();

function moduleOf(url: string, line: number): string {
  if (!url) return '(native)';
  if (!url.startsWith('file://')) return url;
  const path = fileURLToPath(url);
  if (!path.endsWith('.mjs') || !path.includes('.memsync-bench')) return relative(process.cwd(), path);
  let markers = bundles.get(path);
  if (!markers) {
    markers = readFileSync(path, 'utf8')
      .split('\n')
      .flatMap((text, i) => (/^\/\/ (src|bench|node_modules)\//.test(text) ? [{ line: i, module: text.slice(3) }] : []));
    bundles.set(path, markers);
  }
  let found = '(bundle)';
  for (const marker of markers) {
    if (marker.line > line) break;
    found = marker.module;
  }
  return found;
}

interface Totals {
  self: Map<string, number>;
  total: Map<string, number>;
  /** Self time by layer: src/<folder>, a dependency, node internals, GC. */
  layers: Map<string, number>;
  all: number;
}

function layerOf(module: string, functionName: string): string {
  if (module === '(native)') return functionName === '(garbage collector)' ? 'GC' : 'native (syscalls, builtins)';
  const src = /^src\/([^/]+)\//.exec(module) ?? /^src\/([^/]+)\.ts$/.exec(module);
  if (src) return `src/${src[1]}`;
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(module);
  if (dependency) return dependency[1]!;
  if (module.startsWith('node:')) return 'node internals';
  return module.startsWith('bench/') ? 'bench harness' : module;
}

function add(map: Map<string, number>, key: string, us: number): void {
  map.set(key, (map.get(key) ?? 0) + us);
}

function accumulate(profile: CpuProfile, into: Totals): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const keyOf = new Map<number, string>();
  const layer = new Map<number, string>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const module = moduleOf(url, lineNumber);
    keyOf.set(node.id, `${functionName || '(anonymous)'}  ${module}`);
    layer.set(node.id, layerOf(module, functionName));
  }
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    into.all += us;
    add(into.self, keyOf.get(id)!, us);
    if (keyOf.get(id) !== '(idle)  (native)') add(into.layers, layer.get(id)!, us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const key = keyOf.get(at)!;
      if (seen.has(key) || !byId.has(at)) continue;
      seen.add(key);
      add(into.total, key, us);
    }
  });
}

function print(title: string, totals: Totals, top: number): void {
  const idle = (totals.self.get('(idle)  (native)') ?? 0) / totals.all;
  console.log(`\n## ${title}: ${(totals.all / 1e6).toFixed(1)} s sampled, ${(idle * 100).toFixed(0)}% idle`);
  const busy = [...totals.layers.values()].reduce((a, b) => a + b, 0);
  console.log('  busy time by layer (self):');
  for (const [name, us] of [...totals.layers].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
    console.log(`    ${((us / busy) * 100).toFixed(1).padStart(5)}%  ${name}`);
  }
  for (const [name, map] of [
    ['self', totals.self],
    ['total', totals.total],
  ] as const) {
    console.log(`  by ${name} time:`);
    const rows = [...map].filter(([key]) => !key.startsWith('(idle)') && !key.startsWith('(root)'));
    for (const [key, us] of rows.sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`    ${((us / totals.all) * 100).toFixed(1).padStart(5)}%  ${key}`);
    }
  }
}

/** Profiles are grouped by the directory they were written to: <scenario>/<role>. */
function collect(dir: string, groups: Map<string, string[]>): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, groups);
    else if (name.endsWith('.cpuprofile')) groups.set(dir, [...(groups.get(dir) ?? []), path]);
  }
}

const [dir, ...flags] = process.argv.slice(2);
if (!dir) throw new Error('usage: node --import tsx bench/profile-summary.ts DIR [--top=N]');
const top = Number(flags.find((f) => f.startsWith('--top='))?.slice(6) ?? 15);
const groups = new Map<string, string[]>();
collect(dir, groups);
for (const [group, files] of [...groups].sort()) {
  const totals: Totals = { self: new Map(), total: new Map(), layers: new Map(), all: 0 };
  for (const file of files) accumulate(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, totals);
  print(`${relative(dir, group)} (${files.length} profile${files.length === 1 ? '' : 's'})`, totals, top);
}
