import { defineConfig } from 'tsup';

// tsup (esbuild + rollup-dts) gives ESM, CommonJS and both .d.ts/.d.cts from one config;
// plain tsc would need two builds and hand-written package.json shims for the CJS half.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  splitting: false,
});
