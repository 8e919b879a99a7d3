/**
 * Binding a peer id to the process that first joined with it (#9 item 6). A process sends a
 * random token in every hello; the host records the token's hash with the id in the member
 * list, which every member holds (welcome, then `members` deltas), so the next host knows it
 * after a failover. A later hello claiming the id with another token is refused with
 * ERR_ID_TAKEN while the process that holds the id may still be alive: else a peer could
 * take a member's id while it is between connections and, by writing a huge seq in its name,
 * make every later patch of the real member look like a resend.
 *
 * The id is defended while it is held: connected, or awaited by a new host's gather (the
 * failover window). A process that left the mesh gave its id up, and a restart under it
 * (another process, another token) takes it back once that gather is over.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Member } from '../protocol/messages.js';

/**
 * One per process, not per MemSync: a process that stops a replica and starts another under
 * the same id is the same writer (its numbers keep growing), and must get its id back.
 */
const PROCESS_TOKEN = randomBytes(18).toString('base64url');

/** The token this process proves its ids with (sent only to hosts, never relayed). */
export function processToken(): string {
  return PROCESS_TOKEN;
}

/** What the member list carries for `id`: a hash of the token, which cannot be replayed as one. */
export function idKey(id: string, token: string): string {
  return createHash('sha256').update(id).update('\0').update(token).digest('base64url').slice(0, 32);
}

/** What a host knows of who holds an id: the key, and the pid its holder reported. */
export interface Binding {
  key: string | undefined;
  pid: number | undefined;
}

export interface BindingContext {
  /** Whether the process `pid` is alive (undefined: this transport cannot tell). */
  isAlive(member: Member): boolean | undefined;
  /** The id is connected, or a member of the previous epoch this host's gather waits for. */
  held(id: string): boolean;
}

/**
 * Whether a hello for `id` with key `key` (undefined: it sent no token) may take the id over
 * from `bound`. The same key always may. Another may when the id is not held, or once the
 * holder's process is known dead (a restart with the same id; where liveness cannot be told,
 * TCP, it is presumed alive). Returns the reason for refusing, or undefined.
 */
export function bindingRefusal(id: string, key: string | undefined, bound: Binding | undefined, context: BindingContext): string | undefined {
  if (bound === undefined || bound.key === undefined || key === bound.key) return undefined;
  if (!context.held(id)) return undefined;
  const member: Member = { peer: id, clientOnly: true };
  if (bound.pid !== undefined) member.pid = bound.pid;
  if (context.isAlive(member) === false) return undefined;
  const who = bound.pid === undefined ? 'another process' : `process ${bound.pid}`;
  return `peer id '${id}' belongs to ${who}, which may still be running (pick another id, or stop it first)`;
}

/**
 * The bindings a host keeps for the ids it has seen, bounded: ids of processes long gone
 * would otherwise pile up (every CLI call joins under a fresh id).
 */
export class BindingTable {
  readonly #table = new Map<string, Binding>();

  constructor(private readonly max = 4096) {}

  get(id: string): Binding | undefined {
    return this.#table.get(id);
  }

  set(id: string, binding: Binding): void {
    this.#table.delete(id);
    this.#table.set(id, binding);
    // The oldest first: a member still connected is found again at its next hello anyway.
    while (this.#table.size > this.max) {
      const oldest = this.#table.keys().next().value;
      if (oldest === undefined) break;
      this.#table.delete(oldest);
    }
  }

  /** Records every member of a list (the previous epoch's) that carries a key. */
  learn(members: Iterable<Member>): void {
    for (const m of members) if (m.key !== undefined) this.set(m.peer, { key: m.key, pid: m.pid });
  }
}
