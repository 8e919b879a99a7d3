/** What every fuzz property shares: the heartbeat and the refusal check. */
import assert from 'node:assert/strict';
import type { MemSyncError } from '../../../src/errors.js';

/** Called as each case starts, so the runner can tell a slow case from a hung one. */
export type Beat = () => void;

/** Fails the case unless `error` is a MemSyncError of class `kind` (a bug otherwise). */
export function assertRefusal(error: unknown, kind: abstract new (...args: never[]) => MemSyncError, where: string): void {
  if (!(error instanceof kind)) {
    const shown = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    assert.fail(`${where} threw ${shown}, not a ${kind.name}`);
  }
}
