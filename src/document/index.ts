/** The replicated document: pure, no I/O. */
export { applyPlanTo, applyUpdateTo, type UpdateResult } from './apply-update.js';
export { ConditionCache } from './conditions.js';
export { DEFAULT_DOCUMENT_LIMITS, type DocumentLimits, resolveDocumentLimits } from './limits.js';
export {
  type ApplyOutcome,
  type BatchWatch,
  type PrecomputedUpdate,
  Replica,
  type ReplicaOptions,
} from './replica.js';
export type { ReplicaSnapshot } from './snapshot.js';
export { markCheckedState, type SnapshotPath, SnapshotStateBuilder } from './snapshot-builder.js';
export { markParsedJson } from './parsed-state.js';
export { type Stamp, type StampEntries, StampTable } from './stamps.js';
export {
  type PatchInput,
  UPDATE_OPERATORS,
  type ValidPatchBody,
  checkParsedPatch,
  validatePatchInput,
} from './validate.js';
export { checkEntryPatch } from './entry-check.js';
export { type ConfirmResult, OptimisticView, type ViewChange } from './view.js';
