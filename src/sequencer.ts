/**
 * The seam between the mesh and whoever orders its patches (DESIGN.md, wave 2). With no
 * backplane, each machine's local host orders (mesh/host-role.ts). With one, the local host
 * hands its machine's patches to the backplane, which puts every machine's patches in one
 * global order, and feeds back what it reads from that order through the same apply and
 * broadcast path (backplane/feed.ts). The document, observe and live layers never know which.
 *
 * Only types live here: a backplane (memsync/redis) is a separate bundle, and passes raw
 * text back so that the core, not the backplane, validates what it applies and builds every
 * error (one MemSyncError class, whichever bundle loaded it).
 */
import type { Patch } from './types.js';

/** An entry as the backplane read it: nothing in it is trusted yet. */
export interface RawBackplaneEntry {
  /** The version the backplane gives it (checked: the next one, a safe integer). */
  version: number;
  /** The patch as JSON text (parsed and validated like any peer's). */
  patch: string;
}

/** What a backplane link reports to the host that opened it. */
export interface BackplaneSink {
  /** Entries in global order, each above the version the link was opened at. */
  entries(entries: readonly RawBackplaneEntry[]): void;
  /**
   * Something went wrong that the link cannot hide: `lost` means the backplane no longer
   * holds entries this host applied (it restarted without them); `connection` that it cannot
   * be reached for now (the link keeps retrying and buffers submits meanwhile); `restored`
   * that entries were lost and the order goes on from a restored state (the message says which);
   * `refused` that the backplane refuses this host's credentials or commands (a wrong
   * password, an ACL without a needed key or command): retrying goes on, but it needs fixing.
   */
  problem(kind: 'connection' | 'lost' | 'restored' | 'refused', message: string, cause?: unknown): void;
  /** This host's state (a ReplicaSnapshot as JSON text), to restore a backplane that lost it. */
  state(): { version: number; text: string };
  /**
   * The state of the global order at `version` (a ReplicaSnapshot as JSON text), for a host
   * that would otherwise replay from further back than the backplane keeps; entries above
   * `version` follow. May be older than what this host holds, after a loss. Returns false
   * when it was refused (reading has then stopped).
   */
  snapshot(version: number, text: string): boolean;
}

/** One host term's connection to the global order. */
export interface BackplaneLink {
  /** Appends patches to the global order; they come back through `entries` once ordered. */
  submit(patches: readonly Patch[]): void;
  /**
   * Every how many versions the host offers a snapshot (`storeSnapshot`); undefined: never.
   */
  readonly snapshotEvery?: number | undefined;
  /**
   * Offers the state for joiners at `version` or later: the link takes it (`state()` of its
   * sink) only once it holds the backplane's snapshot lease and nothing as new is stored.
   */
  storeSnapshot?(version: number): void;
  /** Stops reading and submitting, and closes the connections. */
  close(): Promise<void>;
}

/**
 * A global order shared by every machine running the mesh (see `redisBackplane` in
 * `memsync/redis`). Give the same one, pointing at the same server, on every process.
 */
export interface Backplane {
  /** A short name for messages (`redis`). */
  readonly kind: string;
  /** Opens a link for `mesh`, reading every entry above `after` (the version this host holds). */
  open(mesh: string, after: number, sink: BackplaneSink): BackplaneLink;
}
