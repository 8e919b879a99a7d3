import type { Redis } from 'ioredis';
import type { BackplaneLink, BackplaneSink, RawBackplaneEntry } from '../../sequencer.js';
import type { Patch } from '../../types.js';
import { randomUUID } from 'node:crypto';
import { LEASE_FUNCTION, LIBRARY, meshKeys, RESEED_FUNCTION, SNAPSHOT_FUNCTION, SUBMIT_FUNCTION } from './functions.js';

/** Patches per function call at most (its arguments are three per patch). */
const MAX_BATCH = 1000;
/** Entries per XREAD at most, and how long one blocks before it is issued again. */
const READ_COUNT = 1000;
const READ_BLOCK_MS = 1000;
/** Pause before a failed call or read is tried again (the client reconnects meanwhile). */
const RETRY_MS = 100;
/**
 * How long a snapshot lease lasts: time enough to stringify and send a large state. A holder
 * that dies meanwhile only delays the next snapshot by that much.
 */
const LEASE_MS = 30_000;
/** Redis's answers to a wrong password or a user the ACL does not allow (not an outage). */
const REFUSED = /\b(WRONGPASS|NOAUTH|NOPERM)\b/;

export interface LinkClients {
  /** Submits: one function call in flight at a time. */
  writer: Redis;
  /** A connection of its own: XREAD BLOCK holds it. */
  reader: Redis;
  /** Whether closing the link also disconnects `writer` (not when the user gave it). */
  ownsWriter: boolean;
}

/**
 * One host term's link to the mesh's stream. Submits are batched, and one call is in flight
 * at a time, so a writer's patches reach the function in its order even across a failed call
 * (retried, ahead of anything newer: the function refuses what it already holds). Reading
 * resumes from the last id read, whatever happens to the connection.
 */
export class RedisLink implements BackplaneLink {
  private readonly keys: ReturnType<typeof meshKeys>;
  private readonly queue: Patch[] = [];
  private inFlight = false;
  private closed = false;
  private clients: LinkClients | undefined;
  private lastId: string;
  /** The highest version read: the server must hold at least this many. */
  private known: number;
  private reported = false;
  private connectedOnce = false;
  /** The server was seen holding fewer versions than we read: the read loop recovers. */
  private lossSeen: number | undefined;
  /** This link's token in the snapshot lease. */
  private readonly holder = randomUUID();
  /** A lease asked for or a snapshot being stored: one at a time. */
  private storing = false;
  /** The newest offer made while one was being stored (0: none). */
  private wanted = 0;

  constructor(
    mesh: string,
    after: number,
    private readonly sink: BackplaneSink,
    connect: () => Promise<LinkClients>,
    readonly snapshotEvery: number | undefined,
  ) {
    this.keys = meshKeys(mesh);
    this.lastId = `${after}-0`;
    this.known = after;
    connect().then(
      (clients) => this.started(clients),
      (error: unknown) => this.sink.problem('connection', `cannot create the client: ${messageOf(error)}`, error),
    );
  }

  submit(patches: readonly Patch[]): void {
    if (this.closed) return;
    this.queue.push(...patches);
    this.pump();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const clients = this.clients;
    if (!clients) return;
    clients.reader.disconnect();
    if (clients.ownsWriter) clients.writer.disconnect();
  }

  private started(clients: LinkClients): void {
    if (this.closed) {
      clients.reader.disconnect();
      if (clients.ownsWriter) clients.writer.disconnect();
      return;
    }
    this.clients = clients;
    for (const client of [clients.writer, clients.reader]) {
      // ioredis reconnects by itself; say once per outage that it is cut off.
      client.on('error', (error: unknown) => this.report(error));
      client.on('ready', () => (this.reported = false));
    }
    // After a reconnect, a reader alone would never notice a server that came back empty.
    clients.reader.on('ready', () => {
      if (this.connectedOnce) void this.checkHeld(clients.writer);
      this.connectedOnce = true;
    });
    void this.readLoop(clients.reader);
    this.pump();
  }

  private report(error: unknown): void {
    if (this.reported || this.closed) return;
    this.reported = true;
    const message = messageOf(error);
    if (REFUSED.test(message)) {
      // Not an outage: retrying with the same settings gets the same answer.
      this.sink.problem('refused', `Redis refused this host (check username/password and the ACL user's keys memsync:{mesh}:* and commands; writes wait, reads stay local): ${message}`, error);
      return;
    }
    this.sink.problem('connection', `cut off from Redis (writes wait, reads stay local): ${message}`, error);
  }

  private pump(): void {
    if (this.inFlight || !this.clients || this.queue.length === 0 || this.closed || this.lossSeen !== undefined) return;
    this.inFlight = true;
    const batch = this.queue.slice(0, MAX_BATCH);
    this.call(this.clients.writer, batch).then(
      () => {
        this.queue.splice(0, batch.length);
        this.inFlight = false;
        this.pump();
      },
      (error: unknown) => {
        const lost = /MEMSYNC_LOST (\d+)/.exec(messageOf(error));
        if (lost) {
          // The batch stays queued: it goes again once the order is restored.
          this.inFlight = false;
          return this.lost(Number(lost[1]));
        }
        this.report(error);
        setTimeout(() => {
          this.inFlight = false;
          this.pump();
        }, RETRY_MS);
      },
    );
  }

  private call(writer: Redis, batch: readonly Patch[]): Promise<unknown> {
    const args: string[] = [String(this.known)];
    for (const patch of batch) args.push(patch.peer, String(patch.seq), JSON.stringify(patch));
    const { log, seqs, meta } = this.keys;
    return fcall(writer, SUBMIT_FUNCTION, [log, seqs, meta], args);
  }

  storeSnapshot(version: number): void {
    const clients = this.clients;
    if (!clients || this.closed || this.snapshotEvery === undefined) return;
    // One at a time; an offer made meanwhile is taken up once the current one is done.
    if (this.storing) {
      this.wanted = Math.max(this.wanted, version);
      return;
    }
    this.storing = true;
    this.store(clients.writer, version, this.snapshotEvery)
      .catch((error: unknown) => this.report(error))
      .finally(() => {
        this.storing = false;
        const next = this.wanted;
        this.wanted = 0;
        if (next > version) this.storeSnapshot(next);
      });
  }

  /** Takes the lease, then computes and stores the state (see LEASE_FUNCTION). */
  private async store(writer: Redis, version: number, keep: number): Promise<void> {
    const { log, snapshot, lease } = this.keys;
    if ((await fcall(writer, LEASE_FUNCTION, [snapshot, lease], [String(version), this.holder, String(LEASE_MS)])) !== 1) return;
    if (this.closed) return;
    // Now, not before: what this host holds by now (at `version` or later).
    const state = this.sink.state();
    await fcall(writer, SNAPSHOT_FUNCTION, [log, snapshot, lease], [String(state.version), state.text, String(keep), this.holder]);
  }

  /**
   * Loads the stored snapshot when it is newer than what we hold and (`needed`) covers up to
   * that version; resolves whether reading may go on.
   */
  private async loadSnapshot(reader: Redis, needed: number): Promise<boolean> {
    const [version, state] = (await reader.call('HMGET', this.keys.snapshot, 'version', 'state')) as [unknown, unknown];
    const at = Number(version);
    if (!Number.isSafeInteger(at) || at <= this.known || at < needed || typeof state !== 'string') return true;
    if (!this.sink.snapshot(at, state)) return false;
    this.known = at;
    this.lastId = `${at}-0`;
    return true;
  }

  private async checkHeld(writer: Redis): Promise<void> {
    // Compared with what we had read when we asked, not when the answer comes: the reader's
    // connection may deliver newer entries first, which the server added after it answered.
    const readWhenAsked = this.known;
    try {
      const held = Number((await writer.call('HGET', this.keys.meta, 'version')) ?? 0);
      if (held < readWhenAsked) this.lost(held);
    } catch {
      // Cut off again: the next reconnect checks once more.
    }
  }

  /** The server holds fewer entries than we read: the read loop recovers before reading on. */
  private lost(held: number): void {
    if (this.closed) return;
    this.lossSeen = Math.min(held, this.lossSeen ?? held);
  }

  /**
   * Recovers one history after the server lost entries: on a server that holds nothing of
   * the mesh, the first host restores it from its own state; every other host takes the state
   * stored then (losing what it had applied beyond it, which it reports). A server that moved
   * on without a restored state (another history began there) cannot be reconciled: stop.
   */
  private async recover(reader: Redis, writer: Redis): Promise<boolean> {
    const held = this.lossSeen!;
    const known = this.known;
    const lostThere = `Redis held the mesh's order up to version ${held}, but this host had read up to ${known}: versions ${held + 1}-${known} were lost there (restarted without persistence, or a replica promoted before it had them)`;
    const { version, text } = this.sink.state();
    const { meta, snapshot } = this.keys;
    if ((await fcall(writer, RESEED_FUNCTION, [meta, snapshot], [String(version), text])) === 1) {
      this.lossSeen = undefined;
      this.known = version;
      this.lastId = `${version}-0`;
      this.sink.problem('restored', `${lostThere}. This host restored the order from its state at version ${version}.`);
      return true;
    }
    const [stored, state] = (await reader.call('HMGET', snapshot, 'version', 'state')) as [unknown, unknown];
    const at = Number(stored);
    if (stored === null || !Number.isSafeInteger(at) || typeof state !== 'string' || at < held) {
      void this.close();
      this.sink.problem('lost', `${lostThere}, and a new history began there. This machine stops taking the global order; its local state stays readable.`);
      return false;
    }
    if (!this.sink.snapshot(at, state)) return false;
    this.lossSeen = undefined;
    this.known = at;
    this.lastId = `${at}-0`;
    const dropped = known > at ? ` This machine's versions ${at + 1}-${known} are not in it and were dropped.` : '';
    this.sink.problem('restored', `${lostThere}. Another host restored the order at version ${at}; this machine took that state.${dropped}`);
    return true;
  }

  private async readLoop(reader: Redis): Promise<void> {
    // A newer snapshot than what we hold: join from it rather than replay the whole stream.
    let joined = false;
    while (!this.closed && !joined) {
      try {
        if (!(await this.loadSnapshot(reader, 0))) return;
        joined = true;
      } catch (error) {
        if (this.closed) return;
        this.report(error);
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
    while (!this.closed) {
      if (this.lossSeen !== undefined) {
        try {
          if (!(await this.recover(reader, this.clients!.writer))) return;
        } catch (error) {
          this.report(error);
          await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
          continue;
        }
        this.pump();
      }
      let reply: unknown;
      try {
        reply = await reader.call('XREAD', 'COUNT', READ_COUNT, 'BLOCK', READ_BLOCK_MS, 'STREAMS', this.keys.log, this.lastId);
      } catch (error) {
        if (this.closed) return;
        this.report(error);
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
        continue;
      }
      // Read before the loss was seen: from a position that no longer holds.
      if (this.lossSeen !== undefined) continue;
      let entries = parseRead(reply);
      if (entries.length === 0) continue;
      const first = entries.items[0]!.version;
      if (first > this.known + 1) {
        // Trimmed past us (we lagged further than the stream keeps): the snapshot covers it.
        try {
          if (!(await this.loadSnapshot(reader, first - 1))) return;
        } catch (error) {
          this.report(error);
          continue;
        }
        const known = this.known;
        entries = { ...entries, items: entries.items.filter((item) => !(item.version <= known)) };
      }
      this.lastId = entries.lastId;
      const last = entries.items[entries.items.length - 1]!.version;
      if (Number.isSafeInteger(last) && last > this.known) this.known = last;
      this.sink.entries(entries.items);
    }
  }
}

/**
 * XREAD's reply, `[[stream, [[id, [field, value, ...]], ...]]]` or RESP3's map, as raw entries for the
 * host to check. Only its shape is read here: an id that is not `<version>-0` or an entry
 * with no `p` field becomes an entry the host refuses (NaN version, no patch text).
 */
function parseRead(reply: unknown): { items: RawBackplaneEntry[]; lastId: string; length: number } {
  const items: RawBackplaneEntry[] = [];
  let lastId = '';
  // RESP3 (ioredis 6's default) gives a map, flattened to [stream, list]; RESP2 [[stream, list]].
  const streams: unknown[] = Array.isArray(reply) ? reply : [];
  const first = streams[0];
  const list: unknown = typeof first === 'string' ? streams[1] : Array.isArray(first) ? (first as unknown[])[1] : undefined;
  for (const item of Array.isArray(list) ? list : []) {
    const [id, fields] = Array.isArray(item) ? (item as unknown[]) : [];
    const text = typeof id === 'string' ? id : '';
    const match = /^(\d{1,16})-0$/.exec(text);
    const pairs = Array.isArray(fields) ? (fields as unknown[]) : [];
    const patch = pairs.length === 2 && pairs[0] === 'p' && typeof pairs[1] === 'string' ? pairs[1] : '';
    items.push({ version: match ? Number(match[1]) : Number.NaN, patch });
    if (text !== '') lastId = text;
  }
  return { items, lastId, length: items.length };
}

/** Calls a function of the library, loading it first when the server lacks it (new, or restarted empty). */
async function fcall(client: Redis, name: string, keys: string[], args: string[]): Promise<unknown> {
  try {
    return await client.call('FCALL', name, keys.length, ...keys, ...args);
  } catch (error) {
    if (!/function not found/i.test(messageOf(error))) throw error;
    await client.call('FUNCTION', 'LOAD', 'REPLACE', LIBRARY);
    return client.call('FCALL', name, keys.length, ...keys, ...args);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
