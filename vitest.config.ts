import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The mixed-Node-version mesh needs other Node binaries: vitest.nodes.config.ts, run by .ci/run.
    exclude: [...configDefaults.exclude, 'test/nodes/**'],
    // Integration tests fork real processes; two cores, so keep the pool small.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    globalSetup: ['test/support/global-setup.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
