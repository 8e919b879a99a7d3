import { checkParsedPatch, type ReplicaSnapshot } from '../document/index.js';
import { ProtocolError } from '../errors.js';
import type { MemSyncLimits } from '../options.js';
import type { OrderedPatch } from '../types.js';
import type { ReplicaCore } from './replica-core.js';

/**
 * How a new host adopts the longer history a returning member holds, while it gathers: the
 * entries it lacks, checked and applied in order, or that member's whole state.
 */
export interface Adoption {
  core: ReplicaCore;
  limits: MemSyncLimits;
  /** Still gathering: after the window, history that arrives late is ignored. */
  gathering(): boolean;
  /** An adopted entry, to be broadcast like one ordered here. */
  ordered(entry: OrderedPatch): void;
}

/** The history a member uploaded (entries after our version). @throws ProtocolError on a gap. */
export function adoptHistory(adoption: Adoption, entries: readonly OrderedPatch[]): void {
  if (!adoption.gathering()) return;
  const { core } = adoption;
  for (const entry of entries) {
    if (entry.version <= core.replica.version) continue;
    if (entry.version !== core.replica.version + 1) throw new ProtocolError('ERR_PROTOCOL', 'history with a gap');
    checkParsedPatch(entry.patch, adoption.limits);
    core.applyOrdered(entry);
    adoption.ordered(entry);
  }
}

/** A member's whole state, installed when it is ahead of ours; says whether it was. */
export function adoptSnapshot(adoption: Adoption, snapshot: ReplicaSnapshot, origin: string): boolean {
  if (!adoption.gathering() || snapshot.version <= adoption.core.replica.version) return false;
  adoption.core.installSnapshot(snapshot, origin);
  return true;
}
