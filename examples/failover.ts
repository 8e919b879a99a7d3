/**
 * Failover, step by step: three processes share one object; the host is killed with
 * SIGKILL; the two others notice, elect a new host among themselves, and carry on. A write
 * made while no host existed stays in its writer's outbox, is sent to the new host, and
 * resolves `applied: true`. Everything acknowledged before the kill is still there, once.
 *
 *   node --import tsx examples/failover.ts
 *
 * Exits with 0 when all of that held, else 1.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DeepReadonly, MemSync } from 'memsync';
import {
  ask,
  exitWithParent,
  forkWithTsx,
  killIfRunning,
  nextMessage,
  stopChild,
  waitFor,
} from './lib/children.js';

const PROCESSES = 3;
const WRITES_EACH = 10;

type State = { counter: number; entries: string[] };
type Snapshot = {
  type: 'snapshot';
  id: number;
  role: string;
  hostId: string | undefined;
  epoch: number;
  version: number;
  data: DeepReadonly<State>;
};
type Reply<K extends FromWorker['type']> = Extract<FromWorker, { type: K }>;
type FromWorker =
  | { type: 'ready'; id: number; peer: string; role: string }
  | { type: 'role'; id: number; role: string; previous: string; at: number }
  | { type: 'wrote'; id: number; applied: number; version: number }
  | { type: 'armed'; id: number }
  | { type: 'in-flight-sent'; id: number; role: string; counter: number; at: number }
  | {
      type: 'in-flight-done';
      id: number;
      applied: boolean;
      reason?: string;
      version: number;
      at: number;
    }
  | Snapshot;
type ToWorker =
  | { cmd: 'write' }
  | { cmd: 'arm' }
  | { cmd: 'snapshot'; atLeast: number }
  | { cmd: 'stop' };

async function worker(id: number, dir: string): Promise<void> {
  exitWithParent();
  const send = (message: FromWorker): void => void process.send?.(message);
  const mem = new MemSync<State>('failover', { counter: 0, entries: [] }, { dir });
  let armed = false;
  mem.on('role', ({ role, previous }) => {
    send({ type: 'role', id, role, previous, at: Date.now() });
    if (!armed || role !== 'electing') return;
    // No host exists right now: the patch waits in the outbox for the next one.
    armed = false;
    const update = { $inc: { counter: 1 }, $push: { entries: 'written during the failover' } };
    void mem
      .patch(update)
      .catch((error: unknown) => ({ applied: false, reason: String(error), version: -1 }))
      .then((result) => send({ type: 'in-flight-done', id, ...result, at: Date.now() }));
    send({ type: 'in-flight-sent', id, role: mem.role, counter: mem.data.counter, at: Date.now() });
  });
  process.on('message', async (message: ToWorker) => {
    if (message.cmd === 'write') {
      let applied = 0;
      for (let k = 1; k <= WRITES_EACH; k++) {
        const r = await mem.patch({ $inc: { counter: 1 }, $push: { entries: `p${id}-${k}` } });
        if (r.applied) applied++;
      }
      send({ type: 'wrote', id, applied, version: mem.version });
    } else if (message.cmd === 'arm') {
      armed = true;
      send({ type: 'armed', id });
    } else if (message.cmd === 'snapshot') {
      // On timeout, report anyway: the parent compares what every process holds.
      await mem.whenVersion(message.atLeast, { timeout: 10_000 }).catch(() => undefined);
      const status = await mem.status();
      send({
        type: 'snapshot',
        id,
        role: status.role,
        hostId: status.hostId,
        epoch: status.epoch,
        version: mem.version,
        data: mem.data,
      });
    } else if (message.cmd === 'stop') {
      await mem.stop();
      process.exit(0);
    }
  });
  const role = await mem.start();
  send({ type: 'ready', id, peer: mem.id, role });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'memsync-failover-'));
  const peers: Peer[] = [];
  const failures: string[] = [];
  const check = (ok: boolean, what: string): void => {
    console.log(`  ${ok ? 'yes' : 'NO '}  ${what}`);
    if (!ok) failures.push(what);
  };
  try {
    for (let id = 0; id < PROCESSES; id++) peers.push(new Peer(id, dir));
    const readies = await Promise.all(peers.map((p) => p.next('ready', 15_000)));
    const names = new Map(readies.map((r) => [r.peer, `p${r.id}`]));
    console.log('1. three processes join the mesh:');
    for (const r of readies) console.log(`     p${r.id} (pid ${peers[r.id]?.pid}) is ${r.role}`);

    console.log(`\n2. each writes ${WRITES_EACH} entries and increments the counter each time`);
    const wrote = await Promise.all(peers.map((p) => p.ask({ cmd: 'write' }, 'wrote', 10_000)));
    const before = await snapshots(peers, Math.max(...wrote.map((w) => w.version)));
    const expected = before[0]?.data;
    if (!expected) throw new Error('no snapshot');
    console.log(
      `     all three see counter ${expected.counter}, ${expected.entries.length} entries, version ${before[0]?.version}`,
    );

    const hostIndex = readies.findIndex((r) => r.role === 'host');
    const host = peers[hostIndex];
    const writer = peers.find((p) => p !== host);
    if (!host || !writer) throw new Error('expected one host and two clients');
    await writer.ask({ cmd: 'arm' }, 'armed', 5_000);
    console.log(
      `\n3. SIGKILL the host p${host.id}; p${writer.id} will write the moment it sees the host gone`,
    );
    const survivors = peers.filter((p) => p !== host);
    const sent = writer.next('in-flight-sent', 10_000);
    const done = writer.next('in-flight-done', 15_000);
    const killedAt = Date.now();
    host.kill();
    const [newRoles, inFlight, result] = await Promise.all([
      Promise.all(survivors.map((p) => p.settledRole(killedAt, 10_000))),
      sent,
      done,
    ]);
    const ms = (at: number): string => `+${String(at - killedAt).padStart(4)} ms`;
    console.log('\n4. what happened after the kill (time since the kill):');
    const timeline = [
      ...survivors
        .flatMap((p) => p.rolesSince(killedAt))
        .map((e) => ({ at: e.at, text: `p${e.id} role: ${e.previous} -> ${e.role}` })),
      {
        at: inFlight.at,
        text: `p${writer.id} patches while ${inFlight.role}; its own view shows counter ${inFlight.counter} at once`,
      },
      {
        at: result.at,
        text: `p${writer.id}'s patch resolves: applied ${result.applied}, version ${result.version}${result.reason ? `, reason ${result.reason}` : ''}`,
      },
    ].sort((a, b) => a.at - b.at);
    for (const line of timeline) console.log(`     ${ms(line.at)}  ${line.text}`);

    const after = await snapshots(survivors, result.version);
    const newHost = after.find((s) => s.role === 'host');
    console.log(`\n5. p${newHost?.id} is the new host; checks:`);
    check(
      newRoles.filter((r) => r === 'host').length === 1 &&
        newRoles.filter((r) => r === 'client').length === 1,
      `one survivor became host, the other its client (${newRoles.join(', ')})`,
    );
    check(
      after.every((s) => s.hostId !== undefined && names.get(s.hostId) === `p${newHost?.id}`),
      'both survivors name the same host',
    );
    check(
      after.every((s) => s.epoch > (before[0]?.epoch ?? Number.POSITIVE_INFINITY)),
      'the new host opened a new epoch (messages of the dead host would be refused)',
    );
    check(result.applied, 'the write made during the failover resolved applied');
    const final = after[0]?.data;
    check(
      after.every((s) => JSON.stringify(s.data) === JSON.stringify(final)),
      'both survivors hold the same data',
    );
    const acknowledged = expected.entries;
    check(
      acknowledged.every((e) => final?.entries.filter((x) => x === e).length === 1),
      `all ${acknowledged.length} entries acknowledged before the kill are there, once each`,
    );
    check(
      final?.counter === acknowledged.length + 1 &&
        final.entries.length === acknowledged.length + 1,
      `counter ${final?.counter} = ${acknowledged.length} before + 1 during the failover`,
    );

    await Promise.all(survivors.map((p) => p.stop(5_000)));
  } finally {
    for (const p of peers) p.kill();
    rmSync(dir, { recursive: true, force: true });
  }
  if (failures.length > 0) {
    console.log(`\nFAILED: ${failures.join('; ')}`);
    process.exitCode = 1;
  } else {
    console.log('\nthe host died, a new one took over, and nothing acknowledged was lost');
  }
}

function snapshots(peers: Peer[], atLeast: number): Promise<Snapshot[]> {
  return Promise.all(peers.map((p) => p.ask({ cmd: 'snapshot', atLeast }, 'snapshot', 12_000)));
}

/** One forked process, seen from the parent: every message it sent, and commands to it. */
class Peer {
  private readonly child: ChildProcess;
  private readonly messages: FromWorker[] = [];

  constructor(
    readonly id: number,
    dir: string,
  ) {
    this.child = forkWithTsx(import.meta.filename, ['worker', String(id), dir]);
    // Registered first, so a probe run on a message already finds it here.
    this.child.on('message', (message: FromWorker) => this.messages.push(message));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  rolesSince(at: number): Reply<'role'>[] {
    return this.messages.filter((m) => m.type === 'role').filter((r) => r.at >= at);
  }

  /** Resolves with the role once this process has been `electing` and settled on a new role. */
  settledRole(since: number, timeoutMs: number): Promise<string> {
    const settled = (): string | undefined => {
      const roles = this.rolesSince(since);
      const last = roles.at(-1)?.role;
      return roles.some((r) => r.role === 'electing') && (last === 'host' || last === 'client')
        ? last
        : undefined;
    };
    const what = `p${this.id} to settle on a role`;
    return waitFor(this.child, 'message', settled, { timeoutMs, what, child: this.child });
  }

  /** The first message of `type` sent from now on. */
  next<K extends FromWorker['type']>(type: K, timeoutMs: number): Promise<Reply<K>> {
    // Reply<K>['type'] is K; TypeScript cannot see through the Extract.
    return nextMessage<Reply<K>>(this.child, type as Reply<K>['type'], timeoutMs);
  }

  ask<K extends FromWorker['type']>(
    command: ToWorker,
    reply: K,
    timeoutMs: number,
  ): Promise<Reply<K>> {
    return ask<Reply<K>>(this.child, command, reply as Reply<K>['type'], timeoutMs);
  }

  /** Asks the process to leave the mesh; resolves when it exited or after `timeoutMs`. */
  stop(timeoutMs: number): Promise<void> {
    return stopChild(this.child, { cmd: 'stop' } satisfies ToWorker, timeoutMs);
  }

  kill(): void {
    killIfRunning(this.child);
  }
}

// Last, so that the Peer class above is initialised before main() uses it.
if (process.argv[2] === 'worker') await worker(Number(process.argv[3]), process.argv[4] ?? '');
else await main();
