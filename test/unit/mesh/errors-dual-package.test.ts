/**
 * `instanceof` across two copies of the error classes in one process (the ESM and CJS builds
 * of the dual-package hazard): src/errors.ts bundled a second time as CommonJS and required,
 * next to the copy vitest imports. The packed package is checked the same way by
 * scripts/check-package.mjs (test/package/consumer/dual.mjs).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as here from '../../../src/errors.js';
import { RUN_DIR } from '../../support/run-dir.js';

type Errors = typeof here;

describe('error classes across two copies of memsync', () => {
  const dir = mkdtempSync(join(RUN_DIR, 'errors-dual-'));
  let other: Errors;

  beforeAll(async () => {
    const outfile = join(dir, 'errors.cjs');
    await build({ entryPoints: [join(import.meta.dirname, '../../../src/errors.ts')], bundle: true, format: 'cjs', platform: 'node', outfile, logLevel: 'error' });
    other = createRequire(import.meta.url)(outfile) as Errors;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('are different classes, yet instanceof and isMemSyncError hold both ways', () => {
    expect(other.MemSyncError).not.toBe(here.MemSyncError);
    const theirs = new other.TimeoutError('slow');
    const ours = new here.TimeoutError('slow');
    for (const [error, lib] of [[theirs, here], [ours, other], [theirs, other], [ours, here]] as const) {
      expect(error instanceof lib.MemSyncError).toBe(true);
      expect(error instanceof lib.TimeoutError).toBe(true);
      expect(error instanceof Error).toBe(true);
      expect(lib.isMemSyncError(error)).toBe(true);
    }
  });

  it('a subclass is not mistaken for a sibling, nor a plain error for a memsync one', () => {
    const theirs = new other.ProtocolError('ERR_PROTOCOL', 'bad frame');
    expect(theirs instanceof here.ProtocolError).toBe(true);
    expect(theirs instanceof here.TimeoutError).toBe(false);
    expect(theirs instanceof here.ConnectionError).toBe(false);
    expect(new other.MemSyncError('ERR_STOPPED', 'x') instanceof here.ProtocolError).toBe(false);
    for (const value of [new Error('x'), { code: 'ERR_TIMEOUT', message: 'x' }, null, undefined, 'ERR_TIMEOUT', 42]) {
      expect(value instanceof here.MemSyncError).toBe(false);
      expect(here.isMemSyncError(value)).toBe(false);
    }
    expect(Object.create(null) instanceof here.MemSyncError).toBe(false);
  });

  it("a user's subclass keeps the ordinary instanceof", () => {
    class MyError extends here.MemSyncError {}
    class Theirs extends other.MemSyncError {}
    expect(new MyError('ERR_STOPPED', 'x') instanceof MyError).toBe(true);
    expect(new MyError('ERR_STOPPED', 'x') instanceof here.MemSyncError).toBe(true);
    expect(new MyError('ERR_STOPPED', 'x') instanceof other.MemSyncError).toBe(true);
    expect(new Theirs('ERR_STOPPED', 'x') instanceof MyError).toBe(false);
  });
});
