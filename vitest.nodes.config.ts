import { defineConfig } from 'vitest/config';

/**
 * The mixed-version mesh (test/nodes/), which needs other Node binaries: .ci/run installs
 * Node 22 and 24 from the npm registry and runs
 * `MEMSYNC_NODES=<node22>:<node24> npx vitest run --config vitest.nodes.config.ts`.
 */
export default defineConfig({
  test: {
    include: ['test/nodes/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 120_000,
    hookTimeout: 60_000,
    globalSetup: ['test/support/global-setup.ts'],
  },
});
