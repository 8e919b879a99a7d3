// ESM + CommonJS + types with the tools already in the tree:
// tsc emits the ESM build and its declarations; esbuild bundles the same source as CommonJS
// (dependencies stay external); the declarations are copied beside it under a
// {"type":"commonjs"} marker so TypeScript reads them as CommonJS for `require` users.
// (tsup would do this in one step, but its rollup dependency ships per-platform binaries
// that the registry mirror used by CI lacks, which breaks `npm ci`.)
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
await build({
  entryPoints: ['src/index.ts'],
  outfile: 'dist/cjs/index.js',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
mkdirSync('dist/cjs', { recursive: true });
cpSync('dist/esm', 'dist/cjs', {
  recursive: true,
  filter: (src) => !/\.js(\.map)?$/.test(src),
});
writeFileSync('dist/cjs/package.json', `${JSON.stringify({ type: 'commonjs' })}\n`);
