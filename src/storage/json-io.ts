import { readFile, writeFile } from 'node:fs/promises';
import { Replica } from '../document/index.js';
import { MemSyncError } from '../errors.js';
import type { JsonObject } from '../types.js';
import { LmdbStorage } from './lmdb-storage.js';
import { replicaFromStore } from './stored-replica.js';
import type { StorageAdapter, StorageOption } from './types.js';

function adapterOf(storage: StorageOption): StorageAdapter {
  return 'load' in storage && typeof storage.load === 'function'
    ? storage
    : new LmdbStorage((storage as { path: string }).path, (storage as { sync?: 'always' }).sync ?? 'always');
}

/**
 * Creates the store of mesh `mesh` with the JSON object in `file` as its state (version 0),
 * like `defaults` but from a file (MemSync's `file: { path }`). Refuses a store that exists.
 * Run it before the mesh starts.
 * @throws MemSyncError `ERR_INVALID_OPTION` when the store already holds a state
 */
export async function importJson(file: string, storage: StorageOption, mesh: string): Promise<void> {
  const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
  // The replica checks it as it checks defaults: a plain JSON object within the limits.
  const replica = new Replica(parsed as JsonObject);
  const adapter = adapterOf(storage);
  try {
    const { state: existing } = await adapter.load({ mesh, epoch: 1 });
    if (existing !== undefined) {
      throw new MemSyncError('ERR_INVALID_OPTION', `the store ${adapter.id} exists already; import only creates a new one`);
    }
    await adapter.snapshot(replica.snapshot());
    await adapter.flush();
  } finally {
    await adapter.close();
  }
}

/**
 * The state a store holds (its snapshot with its log applied), written to `file` as JSON
 * when given. It claims the store to read it: while a mesh runs, its host then loses the
 * store and the mesh fails over — read `mem.data` from a live mesh instead.
 */
export async function exportJson(storage: StorageOption, mesh: string, file?: string): Promise<JsonObject> {
  const adapter = adapterOf(storage);
  try {
    const { state } = await adapter.load({ mesh, epoch: 1 });
    const data = state === undefined ? {} : replicaFromStore(state, {}, adapter.id).state;
    if (file !== undefined) await writeFile(file, `${JSON.stringify(data, null, 2)}\n`);
    return data;
  } finally {
    await adapter.close();
  }
}
