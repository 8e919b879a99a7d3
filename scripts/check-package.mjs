// The package as a user gets it: `npm pack` (which builds through `prepare`), the tarball
// installed into a fresh consumer project in a temporary directory, and there:
// - publint and @arethetypeswrong/cli on the tarball;
// - an ESM import and a CommonJS require, each running an in-process mesh, and both in one
//   process: an error from one build is `instanceof` the other's classes;
// - a strict TypeScript consumer type-checked under moduleResolution nodenext, node16 and
//   bundler, with skipLibCheck false and exactOptionalPropertyTypes (and the declaration
//   files memsync adds to its program counted);
// - a two-process smoke test over the default Unix-socket transport.
// The run-time checks run on this Node and on each `--node <binary>` given (CI: 22 and 24).
// npm output that warns fails the check. The temporary directory is removed in every case.
//
//   node scripts/check-package.mjs [--node /path/to/node]...
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = join(root, 'test', 'package', 'consumer');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
/** Declaration files memsync may add to a consumer's program: its ESM and CJS ones, eventemitter3's. */
const MAX_DECLARATION_FILES = 3;

const nodes = [process.execPath];
for (let i = 2; i < process.argv.length; i++) {
  if (process.argv[i] === '--node' && process.argv[i + 1]) nodes.push(resolve(process.argv[++i]));
  else throw new Error(`unknown argument ${process.argv[i]} (usage: --node <binary>)`);
}

/**
 * Runs a command; fails on a non-zero exit and, since a user would see it, on any warning
 * it prints (Node's DeprecationWarning, ExperimentalWarning, npm's `npm warn`).
 */
function run(file, args, cwd, what) {
  const started = Date.now();
  const result = spawnSync(file, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  const failed = result.status !== 0 ? `exit ${result.status ?? result.signal}` : /warn(ing)?\b/i.test(output) ? 'printed a warning' : undefined;
  if (failed) {
    console.error(`FAIL  ${what}: ${failed}\n${output}${result.error ?? ''}`);
    throw new Error(`${what} failed`);
  }
  console.log(`  ok  ${what} (${Date.now() - started} ms)`);
  return result.stdout;
}

const temp = mkdtempSync(join(tmpdir(), 'memsync-package-'));
try {
  console.log(`package check in ${temp}`);
  // npm pack prints its own notices on stderr; the JSON on stdout says what went in.
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', temp], root, 'npm pack (builds through prepare)'));
  const { filename, files } = packed[0];
  const tarball = join(temp, filename);
  const paths = files.map((f) => f.path).sort();
  for (const required of ['LICENSE', 'README.md', 'CHANGELOG.md', 'package.json', 'dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts', 'dist/cli.js'])
    if (!paths.includes(required)) throw new Error(`the tarball lacks ${required} (has ${paths.join(', ')})`);
  const stray = paths.filter((p) => !/^(LICENSE|README\.md|CHANGELOG\.md|package\.json|dist\/((index|redis)\.(js|cjs|d\.ts|d\.cts)|cli\.js|chunks\/[\w-]+\.js)(\.map)?)$/.test(p));
  if (stray.length > 0) throw new Error(`unexpected files in the tarball: ${stray.join(', ')}`);
  console.log(`      ${filename}: ${paths.length} files, ${packed[0].size} bytes`);

  // Every top-level export of the public declarations carries TSDoc (the line before it ends a /** */).
  const declarations = readFileSync(join(root, 'dist', 'index.d.ts'), 'utf8').split('\n');
  const undocumented = declarations.filter((line, i) => /^export (?!\{)/.test(line) && !/\*\/\s*$/.test(declarations[i - 1] ?? ''));
  if (undocumented.length > 0) throw new Error(`exports without TSDoc:\n${undocumented.join('\n')}`);
  console.log('  ok  every export in dist/index.d.ts has TSDoc');

  run(process.execPath, [join(root, 'node_modules', 'publint', 'src', 'cli.js'), 'run', tarball, '--strict'], temp, 'publint --strict');
  run(process.execPath, [join(root, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js'), tarball, '--no-color', '--no-emoji'], temp, 'attw (are the types wrong)');

  const consumer = join(temp, 'consumer');
  cpSync(fixtures, consumer, { recursive: true });
  // A tarball is a non-registry source, for which npm 11 lists a `prepare` script as an
  // install script it skipped (and warns); from the registry it never considers `prepare`.
  // This is the entry `npm install-scripts deny memsync` writes for the tarball.
  const allowScripts = { [`file:${tarball}`]: false };
  writeFileSync(join(consumer, 'package.json'), `${JSON.stringify({ name: 'consumer', private: true, type: 'module', allowScripts }, null, 2)}\n`);
  const dev = manifest.devDependencies;
  run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, `typescript@${dev.typescript}`, `@types/node@${dev['@types/node']}`],
    consumer,
    'npm install of the tarball into an empty project',
  );
  run('npm', ['ls', '--all'], consumer, 'npm ls --all in the consumer (no ELSPROBLEMS)');
  run(join(consumer, 'node_modules', '.bin', 'memsync'), ['--help'], consumer, 'npx memsync --help (the installed bin link)');

  const tsc = join(consumer, 'node_modules', 'typescript', 'bin', 'tsc');
  const strict = {
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    target: 'ES2022',
    lib: ['ES2022'],
    types: ['node'],
  };
  const resolutions = {
    nodenext: { module: 'nodenext', moduleResolution: 'nodenext', files: ['consumer.ts', 'consumer.cts'] },
    node16: { module: 'node16', moduleResolution: 'node16', files: ['consumer.ts', 'consumer.cts'] },
    bundler: { module: 'esnext', moduleResolution: 'bundler', files: ['consumer.ts'] },
  };
  for (const [name, { files: entries, ...compilerOptions }] of Object.entries(resolutions)) {
    const config = `tsconfig.${name}.json`;
    writeFileSync(join(consumer, config), JSON.stringify({ compilerOptions: { ...strict, ...compilerOptions }, files: entries }));
    run(process.execPath, [tsc, '-p', config], consumer, `tsc, moduleResolution ${name}, skipLibCheck false, exactOptionalPropertyTypes`);
    const listed = run(process.execPath, [tsc, '-p', config, '--listFilesOnly'], consumer, `  declaration files (${name})`);
    const added = listed.split('\n').filter((f) => f.includes('/node_modules/') && !/\/node_modules\/(typescript|@types\/node|undici-types)\//.test(f));
    console.log(`      memsync adds ${added.length} declaration files: ${added.map((f) => f.slice(f.lastIndexOf('node_modules/') + 13)).join(', ')}`);
    if (added.length > MAX_DECLARATION_FILES) throw new Error(`memsync adds ${added.length} declaration files, more than ${MAX_DECLARATION_FILES}`);
  }

  for (const node of nodes) {
    const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
    run(node, ['esm.mjs'], consumer, `ESM import, node ${version}`);
    run(node, ['cjs.cjs'], consumer, `CommonJS require, node ${version}`);
    run(node, ['dual.mjs'], consumer, `ESM and CommonJS builds in one process (instanceof across them), node ${version}`);
    run(node, ['smoke.mjs'], consumer, `two-process smoke test, node ${version}`);
    run(node, [join('node_modules', 'memsync', 'dist', 'cli.js'), '--help'], consumer, `memsync --help (the bin), node ${version}`);
  }
  console.log('package check passed');
} finally {
  rmSync(temp, { recursive: true, force: true });
}
