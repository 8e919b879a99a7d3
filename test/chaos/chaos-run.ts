/**
 * The chaos run: real processes on a real socket, SIGKILLed at random every 100-300 ms (the
 * host half the time), restarted with the same id or a new one, or frozen with SIGSTOP for
 * 0.1-1.5 s (the worker's hostTimeout is 0.5 s: long freezes depose a frozen host, short
 * ones must be forgiven) and woken with SIGCONT, while each writes `$inc` on its own counter. At the end every replica must be byte-identical, and each counter must
 * hold at least what its writers were told was acknowledged (missing: fewer) and, for the
 * writers alive at the end, at most what they issued (doubled: more).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '../sim/sim-network.js';
import { holderWithout as coveredBy, describeUncounted } from './chaos-cover.js';

export interface ChaosOptions {
  seconds: number;
  processes: number;
  docBytes: number;
  seed: number;
  /** The bundled chaos-worker. */
  workerFile: string;
  log?: (line: string) => void;
}

export interface ChaosResult {
  kills: number;
  freezes: number;
  restarts: number;
  acknowledged: number;
  present: number;
  missing: number;
  doubled: number;
  identical: boolean;
  hosts: number;
  replicas: number;
  problems: string[];
}

interface Final {
  id: string;
  issued: number;
  acked: number;
  role: string;
  version: number;
  counters: Record<string, number>;
  /** Per process (pid): which life of an id wrote what. */
  lives: Record<string, number>;
  digest: string;
}

interface Proc {
  slot: number;
  id: string;
  child: ChildProcess;
  alive: boolean;
  /** Stopped by SIGSTOP, until this time. */
  frozenUntil: number;
  ready: boolean;
  role: string;
  acked: number;
  issued: number;
  /** The highest version among its acknowledged writes, as last reported with `acked`. */
  ackedVersion: number;
  /** The version its replica held at that report: it holds every version up to it. */
  version: number;
  /** Whether a next host waits for it, as it last reported (chaos-cover.ts). */
  member: boolean;
  /** With CHAOS_DEBUG: the version of every write it was told was acknowledged. */
  ackedVersions: number[];
  /** With CHAOS_DEBUG, at the end: what it applied at the versions asked about. */
  ledger?: Array<string | null>;
  /** How it ended, when the run killed it: the time (ms into the run) and its last role. */
  death?: string;
  final?: Final;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const random = seededRandom(options.seed);
  const log = options.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'memsync-chaos-'));
  const mesh = `chaos-${process.pid}`;
  const procs: Proc[] = [];
  const current = new Map<number, Proc>();
  const generations = new Map<number, number>();
  let kills = 0;
  let freezes = 0;
  let restarts = 0;
  const frozen = (p: Proc): boolean => p.frozenUntil > Date.now();
  function freeze(victim: Proc, ms: number): void {
    victim.frozenUntil = Date.now() + ms;
    victim.child.kill('SIGSTOP');
    freezes++;
    if (process.env.CHAOS_DEBUG) log(`${Date.now() % 100000} freeze ${victim.id} (${victim.role}) for ${Math.round(ms)} ms`);
    void sleep(ms).then(() => {
      if (victim.alive) victim.child.kill('SIGCONT');
    });
  }

  function spawn(slot: number, freshId: boolean): Proc {
    const gen = (generations.get(slot) ?? 0) + (freshId ? 1 : 0);
    generations.set(slot, gen);
    const id = gen === 0 ? `w${slot}` : `w${slot}-${gen}`;
    const clientOnly = slot === options.processes - 1 ? '1' : '0';
    const child = fork(options.workerFile, [mesh, dir, id, clientOnly, '1', String(options.docBytes)], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      // The bundle needs no loader; a parent's tsx hooks inherited would slow every start.
      execArgv: [],
    });
    const proc: Proc = { slot, id, child, alive: true, frozenUntil: 0, ready: false, role: 'starting', acked: 0, issued: 0, ackedVersion: 0, version: 0, member: false, ackedVersions: [] };
    child.on('message', (raw) => {
      const m = raw as { t: string } & Record<string, unknown>;
      if (m.t === 'count') {
        proc.acked = m.acked as number;
        proc.issued = m.issued as number;
        proc.ackedVersion = m.ackedVersion as number;
        proc.version = m.version as number;
        proc.member = m.member === true;
        if (Array.isArray(m.ackedVersions)) proc.ackedVersions.push(...(m.ackedVersions as number[]));
      } else if (m.t === 'ready') proc.ready = true;
      else if (m.t === 'role') {
        proc.role = m.role as string;
        if (process.env.CHAOS_DEBUG) log(`${Date.now() % 100000} ${id}: ${proc.role}`);
      }
      else if (m.t === 'ledger') proc.ledger = m.at as Array<string | null>;
      else if (m.t === 'final') proc.final = m as unknown as Final;
      else if (m.t === 'log') log(`${Date.now() % 100000} ${id}: [${String(m.event)}] ${String(m.message)}`);
      else if (m.t === 'error' && process.env.CHAOS_DEBUG) log(`${Date.now() % 100000} ${id}: ${String(m.code)} ${String(m.message)}`);
    });
    child.on('exit', () => {
      proc.alive = false;
    });
    procs.push(proc);
    current.set(slot, proc);
    return proc;
  }

  /**
   * Who still holds every acknowledged write once `victim` is gone (killed, or frozen long
   * enough to be deposed): a running member that a next host waits for (chaos-cover.ts; never
   * the host, which a loaded machine may depose at any moment). Without this rule the run
   * would kill, say, a writer just after the host that alone shared its newest writes, before
   * a new host gathered them: a loss the README states (every process that held a write died,
   * or was a deposed host), not a bug. Undefined: nobody does, so the victim is spared.
   */
  const holderWithout = (victim: Proc): { holder: Proc; need: number } | undefined => coveredBy(victim, procs, Date.now());

  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  async function until(what: string, test: () => boolean, ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (!test()) {
      if (Date.now() > end) throw new Error(`chaos: ${what} not reached within ${ms} ms`);
      await sleep(20);
    }
  }

  try {
    for (let slot = 0; slot < options.processes; slot++) spawn(slot, false);
    await until('first start', () => {
      if ([...current.values()].some((p) => !p.alive)) throw new Error('chaos: a process exited during the first start');
      return [...current.values()].every((p) => p.ready);
    }, 60_000);
    log(`chaos: ${options.processes} processes up, killing for ${options.seconds} s (seed ${options.seed})`);
    const end = Date.now() + options.seconds * 1000;
    while (Date.now() < end) {
      await sleep(100 + random() * 200);
      const live = [...current.values()].filter((p) => p.alive);
      const host = live.find((p) => p.role === 'host');
      const victim = host && random() < 0.5 ? host : live[Math.floor(random() * live.length)];
      if (victim && random() < 0.3) {
        // One frozen process at a time, and never the last two running in sync.
        const running = live.filter((p) => p !== victim && !frozen(p) && (p.role === 'host' || p.role === 'client'));
        if (!live.some(frozen) && running.length >= 2 && holderWithout(victim)) freeze(victim, random() < 0.3 ? 100 + random() * 300 : 700 + random() * 800);
        continue;
      }
      // The promise holds while a process that saw a write survives: never kill down to the
      // last one in sync (on a loaded machine restarts can take longer than the kill interval,
      // and killing every holder would rightly lose everything). Two, not one: the roles here
      // are what the processes last reported, which a loaded machine delivers late.
      const holders = live.filter((p) => p !== victim && !frozen(p) && (p.role === 'host' || p.role === 'client'));
      const covered = victim && holderWithout(victim);
      if (victim && holders.length >= 2 && covered) {
        victim.child.kill('SIGKILL');
        // Gone from now on: its 'exit' arrives later (much later on a loaded machine), and
        // until then it must not count as the replica that still holds what it held.
        victim.alive = false;
        victim.death = `killed at ${Date.now() % 100000} as ${victim.role}`;
        if (process.env.CHAOS_DEBUG) log(`${Date.now() % 100000} kill ${victim.id} (${victim.role}), acked ${victim.acked}; need ${covered.need}: ${covered.holder.id} at ${covered.holder.version}`);
        kills++;
        const slot = victim.slot;
        const fresh = random() < 0.5;
        const delay = random() * 300;
        void sleep(delay).then(() => {
          if (current.get(slot) === victim) {
            spawn(slot, fresh);
            restarts++;
          }
        });
      } else if (victim && process.env.CHAOS_DEBUG) {
        log(`${Date.now() % 100000} spare ${victim.id} (${victim.role}): ${describeUncounted(victim, procs, Date.now())}`);
      }
    }
    await sleep(Math.max(400, ...procs.map((p) => p.frozenUntil - Date.now() + 50))); // pending restarts and wakes
    for (let slot = 0; slot < options.processes; slot++) {
      if (!current.get(slot)?.alive) spawn(slot, false);
    }
    await until('every process ready', () => [...current.values()].every((p) => p.ready || !p.alive), 60_000);
    for (const p of current.values()) p.child.send({ t: 'quiet' });
    // Let every write in flight be ordered, then compare until the replicas agree.
    const live = (): Proc[] => [...current.values()].filter((p) => p.alive);
    let agreed = false;
    const settleEnd = Date.now() + 60_000;
    while (Date.now() < settleEnd && !agreed) {
      await sleep(250);
      for (const p of live()) p.final = undefined;
      for (const p of live()) p.child.send({ t: 'final' });
      await until('final reports', () => live().every((p) => p.final), 30_000);
      const finals = live().map((p) => p.final!);
      agreed =
        new Set(finals.map((f) => f.digest)).size === 1 &&
        finals.filter((f) => f.role === 'host').length === 1 &&
        finals.every((f) => f.role === 'host' || f.role === 'client');
    }
    const finals = live().map((p) => p.final!);
    const reference = finals.find((f) => f.role === 'host') ?? finals[0];
    const counters = reference?.counters ?? {};
    const livesHeld = reference?.lives ?? {};
    const problems: string[] = [];
    const identical = new Set(finals.map((f) => f.digest)).size === 1;
    const hosts = finals.filter((f) => f.role === 'host').length;
    if (!identical) problems.push(`replicas differ: ${finals.map((f) => `${f.id}@${f.version}:${f.digest.slice(0, 8)}`).join(' ')}`);
    if (hosts !== 1) problems.push(`${hosts} hosts at the end`);
    // Per id (a restart with the same id writes on the same counter): acknowledged and issued.
    const byId = new Map<string, { acked: number; issued: number; exact: boolean }>();
    for (const p of procs) {
      const entry = byId.get(p.id) ?? { acked: 0, issued: 0, exact: true };
      const final = p.alive ? p.final : undefined;
      entry.acked += final?.acked ?? p.acked;
      entry.issued += final?.issued ?? p.issued;
      if (!final) entry.exact = false;
      byId.set(p.id, entry);
    }
    let acknowledged = 0;
    let present = 0;
    let missing = 0;
    let doubled = 0;
    // Which writers lost what, in the failure itself: a CI log then says where to look.
    const lost: string[] = [];
    for (const [id, { acked, issued, exact }] of byId) {
      const value = counters[id] ?? 0;
      acknowledged += acked;
      present += Math.min(value, acked);
      if (value < acked) {
        missing += acked - value;
        const lives = procs
          .filter((p) => p.id === id)
          .map((p) => `pid ${p.child.pid}: acked ${p.final?.acked ?? p.acked}, holds ${livesHeld[String(p.child.pid)] ?? 0}${p.death ? `, ${p.death}` : ''}`);
        lost.push(`${id}: acked ${acked}, holds ${value}, issued ${issued} [${lives.join('; ')}]`);
      }
      // Only a writer alive at the end reported exactly what it issued.
      if (exact && value > issued) doubled += value - issued;
    }
    if (missing > 0) problems.push(`${missing} acknowledged writes missing (${lost.join('; ')})`);
    if (missing > 0 && process.env.CHAOS_DEBUG) await explainLoss(procs.filter((p) => (p.final?.acked ?? p.acked) > (livesHeld[String(p.child.pid)] ?? 0)), live(), log);
    if (doubled > 0) problems.push(`${doubled} writes applied twice`);
    return { kills, freezes, restarts, acknowledged, present, missing, doubled, identical, hosts, replicas: finals.length, problems };
  } finally {
    for (const p of procs) {
      if (p.alive) p.child.kill('SIGKILL');
    }
    await Promise.all(
      procs.map((p) => (p.child.exitCode !== null || p.child.signalCode !== null ? undefined : new Promise((r) => p.child.once('exit', r)))),
    );
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * For each life that lost writes, what the survivors hold at the versions of its last
 * acknowledged writes: the same writer (then it was not lost there), another writer (the
 * histories diverged at that version), a refusal, or nothing (never applied there: a
 * snapshot past it, or a history that ended before it).
 */
async function explainLoss(losers: Proc[], survivors: Proc[], log: (line: string) => void): Promise<void> {
  for (const loser of losers) {
    const versions = loser.ackedVersions.slice(-12);
    for (const s of survivors) s.ledger = undefined;
    for (const s of survivors) s.child.send({ t: 'ledger', versions });
    const end = Date.now() + 10_000;
    while (survivors.some((s) => !s.ledger) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    log(`loss: ${loser.id} (pid ${loser.child.pid}${loser.death ? `, ${loser.death}` : ''}) last acked at versions ${versions.join(',')}`);
    for (const s of survivors) log(`  ${s.id} holds: ${(s.ledger ?? []).map((e) => e ?? '-').join(',')}`);
  }
}

export function describeChaos(r: ChaosResult, seconds: number): string {
  return (
    `chaos ${seconds} s: ${r.kills} kills, ${r.freezes} freezes, ${r.restarts} restarts; acknowledged ${r.acknowledged}, present ${r.present}, ` +
    `missing ${r.missing}, doubled ${r.doubled}; ${r.replicas} replicas ${r.identical ? 'byte-identical' : 'DIFFER'}, ${r.hosts} host(s)`
  );
}
