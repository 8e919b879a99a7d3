import { build } from 'esbuild';

/**
 * Bundles a test-side entry point (its own code and ours, dependencies left external) into
 * one ESM file: a forked process or worker thread then starts in milliseconds instead of
 * paying for tsx on every start.
 */
export async function bundleForNode(entryPoint: string, outfile: string): Promise<string> {
  await build({
    entryPoints: [entryPoint],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
  return outfile;
}
