/**
 * A stand-in for MemSync as a live object's source: holds `data`, records every patch, and
 * applies it at once (read-your-writes) with mingo, the engine the document layer uses, so an
 * update with conflicting paths fails here as it would there.
 */
import { update as mingoUpdate } from 'mingo/updater';
import type { JsonObject, Update } from '../../../src/types.js';

export interface FakeSource<T> {
  data: T;
  readonly patches: Update[];
  patch(update: Update): Promise<unknown>;
}

export function fakeSource<T extends object>(initial: T): FakeSource<T> {
  const source: FakeSource<T> = {
    data: initial,
    patches: [],
    patch(update) {
      source.patches.push(structuredClone(update));
      const next = structuredClone(source.data) as JsonObject;
      mingoUpdate(next, update as Record<string, unknown>);
      source.data = next as T;
      return Promise.resolve({ applied: true });
    },
  };
  return source;
}

/** Lets the live object's flush (queued in a microtask at the first write) run. */
export async function afterFlush(): Promise<void> {
  await Promise.resolve();
}
