/**
 * `node:diagnostics_channel` publications an APM tool can subscribe to. Each publish is
 * guarded by `hasSubscribers`, so with nobody listening the hot path pays one property read.
 *
 * | channel | when | message |
 * |---|---|---|
 * | `memsync:patch:ordered` | the host gave a patch its version | {@link OrderedMessage} |
 * | `memsync:patch:applied` | a replica applied an ordered patch | {@link OutcomeMessage} |
 * | `memsync:patch:refused` | a replica refused one (stale, condition, failed) | {@link OutcomeMessage} |
 * | `memsync:role` | a replica changed role | {@link RoleMessage} |
 * | `memsync:snapshot` | a replica installed a snapshot | {@link SnapshotMessage} |
 * | `memsync:snapshot:part` | a joiner received one part of a snapshot (join progress) | {@link SnapshotPartMessage} |
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import type { OrderedPatch } from '../types.js';

export const CHANNELS = {
  ordered: 'memsync:patch:ordered',
  applied: 'memsync:patch:applied',
  refused: 'memsync:patch:refused',
  role: 'memsync:role',
  snapshot: 'memsync:snapshot',
  snapshotPart: 'memsync:snapshot:part',
} as const;

const ordered = diagnosticsChannel.channel(CHANNELS.ordered);
const applied = diagnosticsChannel.channel(CHANNELS.applied);
const refused = diagnosticsChannel.channel(CHANNELS.refused);
const role = diagnosticsChannel.channel(CHANNELS.role);
const snapshot = diagnosticsChannel.channel(CHANNELS.snapshot);
const snapshotPart = diagnosticsChannel.channel(CHANNELS.snapshotPart);

/** Published on `memsync:patch:ordered` when the host orders a patch. */
export interface OrderedMessage {
  /** The host's peer id. */
  host: string;
  writer: string;
  seq: number;
  version: number;
  epoch: number;
  /** Wall-clock ms from the writer's `patch()` call (its HLC stamp) to ordering: approximate across processes. */
  sinceWrittenMs: number;
}

/** Published on `memsync:patch:applied` / `memsync:patch:refused` when a replica applies or refuses an ordered patch. */
export interface OutcomeMessage {
  /** The replica that applied (or refused) it. */
  peer: string;
  writer: string;
  seq: number;
  version: number;
  reason?: string;
  /** Time this replica took to apply it, in ms. */
  applyMs: number;
  /** Wall-clock ms from the writer's `patch()` call to this apply: approximate across processes. */
  sinceWrittenMs: number;
}

export interface RoleMessage {
  peer: string;
  role: string;
  previous: string;
  epoch: number;
}

export interface SnapshotMessage {
  peer: string;
  version: number;
  origin: string;
}

/**
 * Join progress. Parts arrive in order, each about 64 KB on the wire. Each says how far the
 * stream has come: `bytes` received out of `total` (characters of the state's JSON, about its
 * bytes; `bytes` equals `total` in the last part). A host that does not announce them (an
 * older version) leaves both undefined: progress then counts parts up to `last`.
 */
export interface SnapshotPartMessage {
  peer: string;
  /** 0, 1, 2, ... */
  part: number;
  /** Entries (keys, or paths below a key) in this part. */
  entries: number;
  last: boolean;
  /** The snapshot's JSON received so far, this part included (approximate). */
  bytes: number | undefined;
  /** The snapshot's whole JSON size (approximate), as its sender announced it. */
  total: number | undefined;
}

/** HLC stamps are microseconds of wall-clock time (clock/hlc.ts). */
const sinceStamp = (ts: number): number => Date.now() - ts / 1000;

/** A start time for {@link publishOutcome}'s `applyMs`, taken only when someone listens. */
export function applyStarted(): number {
  return applied.hasSubscribers || refused.hasSubscribers ? performance.now() : 0;
}

export function publishOrdered(host: string, entry: OrderedPatch): void {
  if (!ordered.hasSubscribers) return;
  const { patch, version, epoch } = entry;
  const message: OrderedMessage = { host, writer: patch.peer, seq: patch.seq, version, epoch, sinceWrittenMs: sinceStamp(patch.ts) };
  ordered.publish(message);
}

export function publishOutcome(peer: string, entry: OrderedPatch, outcome: { applied: boolean; reason?: string }, started: number): void {
  const channel = outcome.applied ? applied : refused;
  if (!channel.hasSubscribers) return;
  const { patch, version } = entry;
  const message: OutcomeMessage = {
    peer,
    writer: patch.peer,
    seq: patch.seq,
    version,
    applyMs: started === 0 ? 0 : performance.now() - started,
    sinceWrittenMs: sinceStamp(patch.ts),
  };
  if (outcome.reason !== undefined) message.reason = outcome.reason;
  channel.publish(message);
}

export function publishRole(message: RoleMessage): void {
  if (role.hasSubscribers) role.publish(message);
}

export function publishSnapshotPart(message: SnapshotPartMessage): void {
  if (snapshotPart.hasSubscribers) snapshotPart.publish(message);
}

export function publishSnapshot(message: SnapshotMessage): void {
  if (snapshot.hasSubscribers) snapshot.publish(message);
}
