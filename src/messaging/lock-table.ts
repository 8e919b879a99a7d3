/**
 * The replicated lock table: a pure state machine fed the lock operations of the ordered log.
 * Every replica applies the same operations at the same versions, so every replica agrees on
 * who holds each lock and who waits, in which order — and a new host after a failover knows
 * it too, because it holds the same log (or a snapshot carrying this table).
 *
 * A grant is never a message of its own: it is what applying an operation decides. The
 * fencing token of a grant is the version of the entry that granted it, so tokens only grow
 * (versions are the mesh's one total order and never go back, across failovers too).
 */

/** Ask for a lock (`limit` > 1: a semaphore of that many holders). */
export interface AcquireOp {
  op: 'acquire';
  name: string;
  peer: string;
  /** The request's number, per peer, increasing: a resent request is recognised by it. */
  rid: number;
  limit: number;
}

/** Give a lock up, or stop waiting for it (the request named by `rid`). */
export interface ReleaseOp {
  op: 'release';
  name: string;
  peer: string;
  rid: number;
}

/** A peer left the mesh (ordered by the host): every lock it holds or waits for is freed. */
export interface LeftOp {
  op: 'left';
  peer: string;
}

/** A lock operation as it rides in an ordered entry (`Patch.msg`). */
export type LockOp = AcquireOp | ReleaseOp | LeftOp;

/** What applying one operation changed, for the processes concerned. */
export type LockChange =
  | { kind: 'queued'; name: string; peer: string; rid: number }
  | { kind: 'granted'; name: string; peer: string; rid: number; token: number }
  /** A held lock or a waiting request ended: released, cancelled, or its peer left. */
  | { kind: 'ended'; name: string; peer: string; rid: number; held: boolean; why: 'release' | 'left' };

/** A grant: who holds, for which request, under which token. */
export interface Holder {
  peer: string;
  rid: number;
  token: number;
}

/** A request waiting for a grant. */
export interface Waiter {
  peer: string;
  rid: number;
  limit: number;
}

interface LockState {
  holders: Holder[];
  waiters: Waiter[];
}

/** The table as plain JSON (travels beside a snapshot). */
export interface LockTableJson {
  locks: Array<[name: string, holders: Holder[], waiters: Waiter[]]>;
  /** The last request number seen per peer (exactly once for resent requests). */
  rids: Array<[peer: string, rid: number]>;
}

/** The replicated lock table (see the top of this file). */
export class LockTable {
  private locks = new Map<string, LockState>();
  private rids = new Map<string, number>();

  /** Applies one ordered operation at `version`; returns what changed, in order. */
  apply(op: LockOp, version: number): LockChange[] {
    const changes: LockChange[] = [];
    if (op.op === 'left') {
      this.rids.delete(op.peer);
      for (const [name, state] of this.locks) {
        this.remove(state, name, (e) => e.peer === op.peer, 'left', changes);
        this.promote(name, state, version, changes);
      }
      return changes;
    }
    const state = this.locks.get(op.name) ?? { holders: [], waiters: [] };
    if (op.op === 'acquire') {
      // A request not above the last one of its peer is a resend: it was already ordered.
      if (op.rid <= (this.rids.get(op.peer) ?? 0)) return changes;
      this.rids.set(op.peer, op.rid);
      state.waiters.push({ peer: op.peer, rid: op.rid, limit: op.limit });
      this.locks.set(op.name, state);
      changes.push({ kind: 'queued', name: op.name, peer: op.peer, rid: op.rid });
    } else {
      this.remove(state, op.name, (e) => e.peer === op.peer && e.rid === op.rid, 'release', changes);
    }
    this.promote(op.name, state, version, changes);
    return changes;
  }

  /** Who holds `name` now (in grant order). */
  holders(name: string): readonly Holder[] {
    return this.locks.get(name)?.holders ?? [];
  }

  /** Who waits for `name` now (in arrival order). */
  waiters(name: string): readonly Waiter[] {
    return this.locks.get(name)?.waiters ?? [];
  }

  /** Every peer named in the table (holding or waiting). */
  peers(): Set<string> {
    const peers = new Set<string>();
    for (const state of this.locks.values()) {
      for (const h of state.holders) peers.add(h.peer);
      for (const w of state.waiters) peers.add(w.peer);
    }
    return peers;
  }

  /** How many requests of `peer` hold or wait. */
  countOf(peer: string): number {
    let n = 0;
    for (const state of this.locks.values()) {
      for (const h of state.holders) if (h.peer === peer) n++;
      for (const w of state.waiters) if (w.peer === peer) n++;
    }
    return n;
  }

  /** The grant of `peer`'s request `rid` on `name`, when it holds. */
  heldBy(name: string, peer: string, rid: number): Holder | undefined {
    return this.locks.get(name)?.holders.find((h) => h.peer === peer && h.rid === rid);
  }

  isWaiting(name: string, peer: string, rid: number): boolean {
    return this.locks.get(name)?.waiters.some((w) => w.peer === peer && w.rid === rid) ?? false;
  }

  get size(): number {
    return this.locks.size;
  }

  toJSON(): LockTableJson {
    return {
      locks: [...this.locks].map(([name, s]) => [name, s.holders.map((h) => ({ ...h })), s.waiters.map((w) => ({ ...w }))]),
      rids: [...this.rids],
    };
  }

  /** A table from its JSON (from a peer: checked, anything malformed refused). */
  static fromJSON(json: unknown): LockTable {
    const table = new LockTable();
    if (json === undefined) return table;
    if (!isObject(json) || !Array.isArray(json.locks) || !Array.isArray(json.rids)) throw new TypeError('malformed lock table');
    for (const row of json.locks) {
      if (!Array.isArray(row) || row.length !== 3 || !isName(row[0]) || !Array.isArray(row[1]) || !Array.isArray(row[2])) {
        throw new TypeError('malformed lock table row');
      }
      const holders = (row[1] as unknown[]).map((h) => {
        if (!isObject(h) || !isName(h.peer) || !isCount(h.rid) || !isCount(h.token)) throw new TypeError('malformed holder');
        return { peer: h.peer, rid: h.rid, token: h.token };
      });
      const waiters = (row[2] as unknown[]).map((w) => {
        if (!isObject(w) || !isName(w.peer) || !isCount(w.rid) || !isCount(w.limit) || w.limit < 1) throw new TypeError('malformed waiter');
        return { peer: w.peer, rid: w.rid, limit: w.limit };
      });
      if (holders.length > 0 || waiters.length > 0) table.locks.set(row[0] as string, { holders, waiters });
    }
    for (const row of json.rids) {
      if (!Array.isArray(row) || row.length !== 2 || !isName(row[0]) || !isCount(row[1])) throw new TypeError('malformed rid');
      table.rids.set(row[0] as string, row[1] as number);
    }
    return table;
  }

  private remove(
    state: LockState,
    name: string,
    match: (e: { peer: string; rid: number }) => boolean,
    why: 'release' | 'left',
    changes: LockChange[],
  ): void {
    const keepHolders: Holder[] = [];
    for (const h of state.holders) {
      if (match(h)) changes.push({ kind: 'ended', name, peer: h.peer, rid: h.rid, held: true, why });
      else keepHolders.push(h);
    }
    const keepWaiters: Waiter[] = [];
    for (const w of state.waiters) {
      if (match(w)) changes.push({ kind: 'ended', name, peer: w.peer, rid: w.rid, held: false, why });
      else keepWaiters.push(w);
    }
    state.holders = keepHolders;
    state.waiters = keepWaiters;
  }

  /**
   * Grants waiters in arrival order while the first one fits under its limit. Strict order:
   * a waiter never overtakes an earlier one (a semaphore asked with a smaller limit waits).
   */
  private promote(name: string, state: LockState, version: number, changes: LockChange[]): void {
    for (;;) {
      const next = state.waiters[0];
      if (next === undefined || state.holders.length >= next.limit) break;
      state.waiters.shift();
      state.holders.push({ peer: next.peer, rid: next.rid, token: version });
      changes.push({ kind: 'granted', name, peer: next.peer, rid: next.rid, token: version });
    }
    if (state.holders.length === 0 && state.waiters.length === 0) this.locks.delete(name);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isName(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 256;
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}
