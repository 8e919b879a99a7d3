import { DEFAULT_LIMITS } from '../../../src/options.js';
import { HostStorage } from '../../../src/mesh/host-storage.js';
import { ReplicaCore } from '../../../src/mesh/replica-core.js';
import type { StorageAdapter } from '../../../src/storage/types.js';
import type { OrderedPatch } from '../../../src/types.js';

/** A host's replica of `{ n }` with nothing wired around it. */
export function newCore(): ReplicaCore {
  return new ReplicaCore(
    { peer: 'host', defaults: { n: 0 }, logSize: 1000, now: () => 1_000_000, limits: { limits: DEFAULT_LIMITS } },
    { viewChanged: () => {}, advanced: () => {}, ownRefused: () => {} },
  );
}

/** A host taking over `adapter`, as a process's life begins. */
export async function storageHost(adapter: StorageAdapter, compactEvery: number): Promise<{ core: ReplicaCore; storage: HostStorage; epoch: number }> {
  const core = newCore();
  const storage = new HostStorage(adapter, core, { mesh: 'm', limits: DEFAULT_LIMITS, compactEvery, onFailed: () => {} });
  const epoch = await storage.takeOver(core.clock.next());
  return { core, storage, epoch };
}

/** Orders `count` more `$inc` of n on the host and hands them to the store as one batch. */
export function orderIncs(host: { core: ReplicaCore; storage: HostStorage; epoch: number }, count: number, peer: string): OrderedPatch[] {
  const entries: OrderedPatch[] = [];
  for (let i = 0; i < count; i++) {
    const version = host.core.replica.version + 1;
    const entry: OrderedPatch = { version, epoch: host.epoch, patch: { peer, seq: version, ts: 2_000_000_000 + version, update: { $inc: { n: 1 } } } };
    host.core.applyOrdered(entry);
    entries.push(entry);
  }
  host.storage.append(entries);
  return entries;
}
