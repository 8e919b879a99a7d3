export {
  applyStarted,
  CHANNELS,
  type OrderedMessage,
  type OutcomeMessage,
  publishOrdered,
  publishOutcome,
  publishSnapshotPart,
  type SnapshotPartMessage,
  type RoleMessage,
  type SnapshotMessage,
} from './channels.js';
export { diag, Diagnostics, type DiagnosticsSource, type Logger } from './log.js';
