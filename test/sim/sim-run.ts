/**
 * One run of the deterministic failover simulation: processes over a SimNetwork, driven by a
 * schedule of actions (writes, kills, restarts with the same or a new id, graceful stops,
 * clock steps, waits), under fake timers. After the schedule it lets the mesh settle and
 * checks the promise: every acknowledged write is in the final history exactly once, no
 * write is there twice, one host, every live replica identical, at most one host per epoch.
 */
import { vi } from 'vitest';
import { MemSync } from '../../src/index.js';
import { SimNetwork, type SimProcess, seededRandom } from './sim-network.js';

export type Action =
  /** `n` writes by `p`; `big` ones carry a few KB, so that messages queue behind them. */
  | { t: 'write'; p: number; n: number; big?: boolean }
  | { t: 'kill'; p: number }
  | { t: 'start'; p: number; fresh: boolean }
  | { t: 'stop'; p: number }
  /** The machine's clock steps (NTP): `p` is ignored. */
  | { t: 'clock'; p: number; ms: number }
  /** The process runs, but nothing reaches it or leaves it for a while (a GC pause, a load spike). */
  | { t: 'stall'; p: number; ms: number }
  /**
   * The host stops for longer than hostTimeout, as under SIGSTOP: nothing reaches it or leaves
   * it; its members must depose it, and it must rejoin fenced.
   */
  | { t: 'freeze'; ms: number }
  | { t: 'wait'; ms: number };

export interface Schedule {
  seed: number;
  /** Processes started before the schedule runs (host-capable; the last may be clientOnly). */
  processes: number;
  gatherMs: number;
  actions: Action[];
}

export interface SimVerdict {
  ok: boolean;
  problems: string[];
  /** Acknowledged writes the promise covers (a process that held each survives). */
  acked: number;
  /** Every acknowledged write, covered or not. */
  acknowledged: number;
  present: number;
}

interface Slot {
  name: string;
  generation: number;
  clientOnly: boolean;
  proc: SimProcess | undefined;
  mem: MemSync<{ log: string[] }> | undefined;
  started: boolean;
}

const PATH = '/sim/mesh';
/**
 * Above the longest `stall` (600 ms) plus a heartbeat and delivery spikes: a stall models a
 * process that does not run, which its own watch forgives; a `freeze` outlasts it.
 */
export const SIM_HOST_TIMEOUT_MS = 1200;

export async function runSchedule(schedule: Schedule): Promise<SimVerdict> {
  vi.useFakeTimers({
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'Date', 'performance'],
    now: 1_800_000_000_000,
  });
  const random = seededRandom(schedule.seed);
  const realRandom = Math.random;
  Math.random = seededRandom(schedule.seed ^ 0x5bd1e995);
  const net = new SimNetwork(random);
  const slots: Slot[] = [];
  /**
   * Acknowledged writes, with the processes that held them when the writer was told, and
   * which of those was the host then. A host that is later deposed while frozen (it stops
   * hosting without stop(), having been stalled within the last two host timeouts) counts as
   * gone, as the README says: its successor does not wait for it. What it held then counts
   * through whoever else holds it at that moment. One that steps down while it runs (deposed
   * on a member's stall, say) stays a holder: a new host waits for a lost host that runs.
   */
  const acked = new Map<string, { holders: SimProcess[]; host: SimProcess | undefined }>();
  function hostDeposed(host: SimProcess): void {
    if (host.stalledUntil === 0 || Date.now() - host.stalledUntil > 2 * SIM_HOST_TIMEOUT_MS) return;
    for (const [id, entry] of acked) {
      if (entry.host !== host) continue;
      entry.host = undefined;
      const others = everyone.filter((o) => o.proc !== host && o.proc.alive && confirmedLog(o.mem).includes(id)).map((o) => o.proc);
      entry.holders = [...new Set([...entry.holders.filter((p) => p !== host), ...others])];
    }
  }
  const written = new Set<string>();
  /** Writes whose patch() timed out, with their writer. */
  const timedOut = new Map<string, SimProcess>();
  /** Every process of the run, dead ones included. */
  const everyone: Array<{ proc: SimProcess; mem: MemSync<{ log: string[] }> }> = [];
  const hostsByEpoch = new Map<number, Set<string>>();
  const problems: string[] = [];
  const clock = { offsetMs: 0 };
  let writeNumber = 0;
  let unhandled: unknown;
  const onUnhandled = (reason: unknown): void => {
    unhandled ??= reason;
  };
  process.on('unhandledRejection', onUnhandled);

  const advance = (ms: number): Promise<void> => vi.advanceTimersByTimeAsync(ms).then(() => {});

  function launch(slot: Slot, fresh: boolean): void {
    if (fresh) slot.generation++;
    const id = slot.generation === 0 ? slot.name : `${slot.name}.${slot.generation}`;
    const proc = net.process(id);
    const mem = new MemSync<{ log: string[] }>(
      'sim',
      { log: [] },
      {
        id,
        transport: proc.transport,
        path: PATH,
        gatherMs: schedule.gatherMs,
        clientOnly: slot.clientOnly,
        patchTimeout: 20_000,
        timeout: 20_000,
        hostTimeout: SIM_HOST_TIMEOUT_MS,
        now: () => Date.now() + clock.offsetMs,
      },
    );
    const debug = process.env.SIM_DEBUG ? (...a: unknown[]) => console.log(Date.now() % 100000, id, ...a) : undefined;
    mem.on('error', (e) => debug?.('error', e.message));
    mem.on('role', ({ role, previous }) => {
      debug?.('role', role, 'v', mem.version, JSON.stringify(mem.data));
      if (previous === 'host' && role !== 'stopped') hostDeposed(proc);
      if (role !== 'host' || !proc.alive) return;
      void mem.status().then((s) => {
        const hosts = hostsByEpoch.get(s.epoch) ?? new Set<string>();
        hosts.add(id);
        hostsByEpoch.set(s.epoch, hosts);
      });
    });
    slot.proc = proc;
    slot.mem = mem;
    everyone.push({ proc, mem });
    slot.started = false;
    mem.start().then(
      () => {
        if (slot.mem === mem) slot.started = true;
      },
      () => {},
    );
  }

  function write(slot: Slot, n: number, big: boolean): void {
    const { mem, proc } = slot;
    if (!mem || !proc || !proc.alive || !slot.started) return;
    for (let i = 0; i < n; i++) {
      const id = big ? `w${writeNumber++}:${'x'.repeat(3000)}` : `w${writeNumber++}`;
      written.add(id);
      mem.patch({ $push: { log: id } }).then(
        (result) => {
          if (!result.applied || !proc.alive) return;
          // Replicas holding it now; a dead one may have held it (and said so) before dying.
          const holders = everyone.filter((o) => o.proc !== proc && confirmedLog(o.mem).includes(id));
          const host = holders.find((o) => o.mem.role === 'host')?.proc;
          acked.set(id, { holders: [proc, ...holders.filter((o) => o.proc.alive).map((o) => o.proc)], host });
          if (process.env.SIM_DEBUG) console.log(Date.now() % 100000, mem.id, 'acked', id, 'v', result.version, 'holders', holders.map((h) => h.mem.id));
          // A host acknowledges its own write once another replica holds it, unless alone.
          if (mem.role === 'host' && holders.length === 0 && members(mem) > 1) {
            problems.push(`host ${mem.id} acknowledged ${id} while no other replica held it`);
          }
        },
        (error: { code?: string }) => {
          if (error.code === 'ERR_TIMEOUT') timedOut.set(id, proc);
        },
      );
    }
  }

  try {
    for (let i = 0; i < schedule.processes; i++) {
      const slot: Slot = {
        name: `p${i}`,
        generation: 0,
        clientOnly: i === schedule.processes - 1 && i > 1,
        proc: undefined,
        mem: undefined,
        started: false,
      };
      slots.push(slot);
      launch(slot, false);
      await advance(1 + Math.floor(random() * 5));
    }
    await advance(schedule.gatherMs + 50);

    for (const action of schedule.actions) {
      const slot = 'p' in action ? slots[action.p % slots.length]! : undefined;
      switch (action.t) {
        case 'write':
          write(slot!, action.n, action.big === true);
          break;
        case 'kill':
          slot!.proc?.kill();
          break;
        case 'start':
          if (!slot!.proc?.alive) launch(slot!, action.fresh);
          break;
        case 'stop':
          {
            const { proc, mem } = slot!;
            if (proc?.alive && mem) void mem.stop().then(() => proc.kill());
          }
          break;
        case 'clock':
          // One machine, one clock: a step moves every process's wall clock (processes
          // started before it keep hybrid clocks ahead of it; those started after do not).
          clock.offsetMs += action.ms;
          break;
        case 'stall':
          slot!.proc?.stall(action.ms);
          break;
        case 'freeze':
          // Only a host: here a stalled process's own timers still run, so a frozen client
          // would see its host as silent, where a real one forgives its own pause (host-watch.ts).
          // Frozen clients are the chaos run's (real SIGSTOP).
          slots.find((s) => s.proc?.alive && s.mem?.role === 'host')?.proc?.stall(action.ms);
          break;
        case 'wait':
          await advance(action.ms);
          break;
      }
      await advance(0);
    }

    // Bring every slot back, then let the mesh settle: elections, gathers, resends.
    for (const slot of slots) if (!slot.proc?.alive) launch(slot, false);
    for (let i = 0; i < 60 && !settled(slots); i++) await advance(500);
    await advance(25_000); // every patch ordered or timed out
    for (let i = 0; i < 20 && !settled(slots); i++) await advance(500);

    const live = slots.filter((s) => s.proc?.alive && s.mem);
    const hosts = live.filter((s) => s.mem!.role === 'host');
    if (hosts.length !== 1) problems.push(`${hosts.length} hosts at the end (${live.map((s) => `${s.mem!.id}:${s.mem!.role}`).join(' ')})`);
    const texts = new Set(live.map((s) => JSON.stringify([s.mem!.version, s.mem!.data])));
    if (texts.size !== 1) {
      problems.push(`replicas differ: ${live.map((s) => `${s.mem!.id}@${s.mem!.version}/${s.mem!.role}`).join(' ')}`);
    }
    for (const [epoch, ids] of hostsByEpoch) if (ids.size > 1) problems.push(`epoch ${epoch} had hosts ${[...ids].join(', ')}`);
    const reference = hosts[0]?.mem ?? live[0]?.mem;
    const log = reference?.data.log ?? [];
    const counts = new Map<string, number>();
    for (const id of log) counts.set(id, (counts.get(id) ?? 0) + 1);
    // The promise covers a write while a process that held it when it was acknowledged survives.
    const covered = [...acked].filter(([, { holders }]) => holders.some((p) => p.alive)).map(([id]) => id);
    const missing = covered.filter((id) => !counts.has(id));
    const doubled = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
    const unknown = [...counts.keys()].filter((id) => !written.has(id));
    const short = (ids: string[]): string => ids.slice(0, 5).map((id) => id.slice(0, 12)).join(',');
    if (missing.length) problems.push(`${missing.length} acknowledged writes missing: ${short(missing)}`);
    if (doubled.length) problems.push(`${doubled.length} writes applied twice: ${short(doubled)}`);
    if (unknown.length) problems.push(`${unknown.length} writes nobody made`);
    // Every ordered entry is a write applied: a host that orders a resend again would add a
    // version refused as a duplicate.
    if (reference && reference.version !== log.length) {
      problems.push(`version ${reference.version} for ${log.length} writes: something was ordered twice`);
    }
    // A mesh that healed orders every patch of a live writer within its timeout.
    const stuck = [...timedOut].filter(([, proc]) => proc.alive).map(([id]) => id);
    if (stuck.length) problems.push(`${stuck.length} patches of live writers timed out: ${stuck.slice(0, 5).join(',')}`);

    if (unhandled !== undefined) problems.push(`unhandled rejection: ${String(unhandled)}`);
    return { ok: problems.length === 0, problems, acked: covered.length, acknowledged: acked.size, present: counts.size };
  } finally {
    for (const slot of slots) slot.proc?.kill();
    await advance(30_000).catch(() => {});
    process.off('unhandledRejection', onUnhandled);
    Math.random = realRandom;
    vi.useRealTimers();
  }
}

type Internals = { core: { replica: { state: { log: string[] } } }; node: { members: unknown[] } };

/** The replica's confirmed (ordered) state, not the optimistic view. */
function confirmedLog(mem: MemSync<{ log: string[] }>): string[] {
  return (mem as unknown as Internals).core.replica.state.log;
}

function members(mem: MemSync<{ log: string[] }>): number {
  return (mem as unknown as Internals).node.members.length;
}

function settled(slots: Slot[]): boolean {
  const live = slots.filter((s) => s.proc?.alive && s.mem);
  if (live.some((s) => !s.started || (s.mem!.role !== 'host' && s.mem!.role !== 'client'))) return false;
  if (live.filter((s) => s.mem!.role === 'host').length !== 1) return false;
  return new Set(live.map((s) => s.mem!.version)).size === 1;
}
