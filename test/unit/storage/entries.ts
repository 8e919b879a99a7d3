import type { ReplicaSnapshot } from '../../../src/document/index.js';
import type { OrderedPatch } from '../../../src/types.js';

/** Entry `version` of a history where every entry increments `n`: state n == version. */
export function incEntry(version: number, epoch = 1): OrderedPatch {
  return { version, epoch, patch: { peer: 'w', seq: version, ts: 1000 + version, update: { $inc: { n: 1 } } } };
}

export function emptySnapshot(version = 0, n = version): ReplicaSnapshot {
  return { state: { n }, version, epoch: version === 0 ? 0 : 1, stamps: [], seqs: version === 0 ? [] : [['w', version, 1000 + version]] };
}
