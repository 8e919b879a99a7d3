import { checkParsedPatch, markCheckedState, Replica, type ReplicaOptions } from '../document/index.js';
import { MemSyncError, StorageError } from '../errors.js';
import type { StoredState } from './types.js';

/**
 * The replica a store describes: its snapshot, then its entries applied in order, each
 * checked like a patch from a peer. A store that does not hold together (a gap, a malformed
 * snapshot or patch) is refused, never half-loaded. The replayed state is marked as checked:
 * the host installs it next, and walking a large document a second time cost ~0.1 s.
 * @throws StorageError `ERR_STORAGE_CORRUPT` naming `file`
 */
export function replicaFromStore(state: StoredState, options: ReplicaOptions, file: string): Replica {
  try {
    const replica = Replica.fromSnapshot(state.snapshot, options);
    replica.replay(state.entries, (entry) => {
      if (entry.version !== replica.version + 1) {
        throw new MemSyncError('ERR_PROTOCOL', `entry ${entry.version} follows version ${replica.version}`);
      }
      checkParsedPatch(entry.patch, options.limits);
    });
    markCheckedState(replica.state);
    return replica;
  } catch (error) {
    if (error instanceof StorageError) throw error;
    const why = error instanceof Error ? error.message : String(error);
    throw new StorageError('ERR_STORAGE_CORRUPT', `the store does not hold together: ${why}; refusing to load it`, file, {
      cause: error,
    });
  }
}
