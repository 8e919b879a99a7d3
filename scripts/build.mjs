// The package's dist/, built by `npm run build` and by `prepare` (so `npm pack`, `npm publish`
// and a git dependency all get it):
// - dist/index.js (ESM) and dist/index.cjs (CommonJS): esbuild bundles of src/index.ts with
//   dependencies left external; dist/cli.js, the `memsync` bin, and dist/redis.js, the
//   `memsync/redis` subpath, share the ESM chunks in dist/chunks/; dist/redis.cjs is its own
//   bundle (it imports only types from the core, so no class of the core is copied into it). Their source maps carry the sources (src/ is not shipped).
// - dist/index.d.ts and dist/index.d.cts: ONE declaration file each, holding only the public
//   API (dts-bundle-generator). tsc's per-file declarations would drag the internals'
//   imports of mingo and TypeBox into every consumer's program (~490 declaration files, and
//   mingo's own do not type-check under exactOptionalPropertyTypes with skipLibCheck off).
// (tsup would do this in one step, but its rollup dependency ships per-platform binaries
// that the registry mirror used by CI lacks, which breaks `npm ci`.)
import { chmodSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);
// CommonJS only; loaded with require so its TypeScript dependency loads once, on demand.
const { generateDtsBundle } = require('dts-bundle-generator');

rmSync('dist', { recursive: true, force: true });

const common = {
  entryPoints: ['src/index.ts'],
  bundle: true,
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  sourcesContent: true,
  logLevel: 'warning',
};
await Promise.all([
  // The library and the `memsync` command in one ESM build, split at the command's dynamic
  // imports (each subcommand loads when it runs) and sharing one copy of the library.
  build({
    ...common,
    entryPoints: { index: 'src/index.ts', cli: 'src/cli/main.ts', redis: 'src/backplane/redis/index.ts' },
    outdir: 'dist',
    format: 'esm',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
  }),
  build({ ...common, format: 'cjs', outfile: 'dist/index.cjs' }),
  build({ ...common, entryPoints: ['src/backplane/redis/index.ts'], format: 'cjs', outfile: 'dist/redis.cjs' }),
]);

const [declarations, redisDeclarations] = generateDtsBundle(
  [
    {
      filePath: 'src/index.ts',
      output: { noBanner: true, exportReferencedTypes: false },
      // Only what a consumer already installs with memsync may be referenced.
      libraries: { importedLibraries: ['eventemitter3'], allowedTypesLibraries: ['node'] },
    },
    {
      // memsync/redis: its users install ioredis (the optional peer dependency).
      filePath: 'src/backplane/redis/index.ts',
      output: { noBanner: true, exportReferencedTypes: false },
      libraries: { importedLibraries: ['ioredis'], allowedTypesLibraries: ['node'] },
    },
  ],
  { preferredConfigPath: 'tsconfig.build.json' },
);
if (declarations === undefined || redisDeclarations === undefined) throw new Error('dts-bundle-generator produced nothing');
writeFileSync('dist/redis.d.ts', redisDeclarations);
writeFileSync('dist/redis.d.cts', redisDeclarations);
const leaked = /(?:from |import\()['"](mingo|@sinclair\/typebox|node-ipc)/.exec(declarations);
if (leaked) throw new Error(`public declarations import ${leaked[1]}: keep it out of exported types`);
writeFileSync('dist/index.d.ts', declarations);
// The same declarations, read by TypeScript as CommonJS for `require` users.
writeFileSync('dist/index.d.cts', declarations);

// Every source path in the maps must be inside the package's own sources (sourcesContent).
for (const map of readdirSync('dist', { recursive: true }).filter((f) => f.endsWith('.map')).map((f) => join('dist', f))) {
  const parsed = JSON.parse(readFileSync(map, 'utf8'));
  if (!Array.isArray(parsed.sourcesContent) || parsed.sourcesContent.length !== parsed.sources.length)
    throw new Error(`${map} does not carry its sources`);
}
// The bin keeps its #!/usr/bin/env node line (esbuild keeps it); npm sets the mode on install,
// this makes `./dist/cli.js` runnable from a checkout too.
chmodSync('dist/cli.js', 0o755);
