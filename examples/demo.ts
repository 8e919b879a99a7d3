/**
 * The mesh at work: four processes share one object, each incrementing a counter; the
 * host is killed with SIGKILL; a client takes over and no acknowledged write is lost.
 *
 *   npm run demo
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemSync } from 'memsync';

type Report = {
  type: 'report';
  id: number;
  pid: number;
  role: string;
  counter: number;
  mine: number;
  acked: number;
  version: number;
};
/** Sent on each of the worker's own `role` events, stamped with the machine's clock. */
type RoleChange = { type: 'role'; id: number; role: string; previous: string; at: number };
type State = { counter: number; writes: Record<string, number> };

const PROCESSES = 4;
/** Milliseconds on a clock shared by every process of the machine, sub-millisecond. */
const now = (): number => performance.timeOrigin + performance.now();

if (process.argv[2] === 'worker') await worker(Number(process.argv[3]), process.argv[4] ?? '');
else await main();

async function worker(id: number, dir: string): Promise<void> {
  const mem = new MemSync<State>('demo', { counter: 0, writes: {} }, { dir });
  mem.on('role', ({ role, previous }) =>
    process.send?.({ type: 'role', id, role, previous, at: now() } satisfies RoleChange),
  );
  await mem.start();
  let acked = 0;
  let writing = true;
  const report = (): void => {
    process.send?.({
      type: 'report',
      id,
      pid: process.pid,
      role: mem.role,
      counter: mem.data.counter,
      mine: mem.data.writes[`p${id}`] ?? 0,
      acked,
      version: mem.version,
    } satisfies Report);
  };
  const timer = setInterval(report, 100);
  process.on('message', async (message) => {
    if (message !== 'finish') return;
    writing = false;
    clearInterval(timer);
    await new Promise((r) => setTimeout(r, 300)); // let the last broadcasts land everywhere
    report();
    await mem.stop();
    process.exit(0);
  });
  process.on('disconnect', () => process.exit(0));
  while (writing) {
    const result = await mem.patch({ $inc: { counter: 1, [`writes.p${id}`]: 1 } });
    if (result.applied) acked++;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Draws the table. In a terminal it is redrawn in place (cursor up, each line rewritten);
 * piped, only what changed is printed: a new title, and a process whose role changed.
 */
function screen(): (title: string, rows: { key: string; line: string; state: string }[]) => void {
  const tty = process.stdout.isTTY === true;
  let drawn = 0;
  let lastTitle = '';
  const lastState = new Map<string, string>();
  return (title, rows) => {
    if (tty) {
      const lines = [`memsync demo — ${PROCESSES} processes, one object`, ...title.split('\n'), ...rows.map((r) => r.line), ''];
      const up = drawn > 0 ? `\x1b[${drawn}A` : '';
      // Each line cleared then written; then everything below cleared (a shorter frame).
      process.stdout.write(`${up}${lines.map((l) => `\x1b[2K${l}`).join('\n')}\n\x1b[0J`);
      drawn = lines.length;
      return;
    }
    if (lastTitle === '') console.log(`memsync demo — ${PROCESSES} processes, one object`);
    if (title !== lastTitle) console.log(title);
    lastTitle = title;
    for (const row of rows) {
      if (lastState.get(row.key) === row.state) continue;
      lastState.set(row.key, row.state);
      console.log(row.line);
    }
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'memsync-demo-'));
  const children = new Map<number, ChildProcess>();
  const reports = new Map<number, Report>();
  const roleChanges: RoleChange[] = [];
  const draw = screen();
  const statusOf = (r: Report): string => {
    const child = children.get(r.id);
    return child?.signalCode ? 'killed' : child?.exitCode !== null ? 'stopped' : r.role;
  };
  const render = (title: string, counters = true): void =>
    draw(
      title,
      [...reports.values()]
        .sort((a, b) => a.id - b.id)
        .map((r) => ({
          key: `p${r.id}`,
          state: counters ? `${statusOf(r)} ${r.counter} ${r.version} ${r.acked}` : statusOf(r),
          line: `  p${r.id}  pid ${String(r.pid).padEnd(7)} ${statusOf(r).padEnd(9)} counter ${String(r.counter).padEnd(6)} version ${String(r.version).padEnd(6)} acked ${r.acked}`,
        })),
    );
  const hostOf = (): Report | undefined =>
    [...reports.values()].find(
      (r) =>
        r.role === 'host' &&
        children.get(r.id)?.exitCode === null &&
        !children.get(r.id)?.signalCode,
    );
  try {
    for (let id = 0; id < PROCESSES; id++) {
      const child = fork(import.meta.filename, ['worker', String(id), dir], {
        execArgv: ['--import', 'tsx'],
      });
      child.on('message', (m: Report | RoleChange) => {
        if (m.type === 'report') reports.set(m.id, m);
        else roleChanges.push(m);
      });
      children.set(id, child);
      await new Promise((r) => setTimeout(r, 150)); // the first one becomes host
    }
    await waitFor(() => reports.size === PROCESSES && hostOf() !== undefined, 15_000);
    for (let i = 0; i < 10; i++) {
      render('every process increments the shared counter', false);
      await new Promise((r) => setTimeout(r, 200));
    }
    const host = hostOf();
    if (!host) throw new Error('no host');
    const killedAt = now();
    children.get(host.id)?.kill('SIGKILL');
    const lastOfHost = { ...host };
    const newHost = (): RoleChange | undefined =>
      roleChanges.find((c) => c.role === 'host' && c.id !== host.id && c.at > killedAt);
    await waitFor(() => newHost() !== undefined && hostOf()?.id === newHost()?.id, 10_000);
    const elected = newHost()!;
    const electing = roleChanges.find((c) => c.id === elected.id && c.role === 'electing' && c.at > killedAt);
    const ms = (at: number): string => `${(at - killedAt).toFixed(1)} ms`;
    const title = `host p${host.id} killed with SIGKILL; p${elected.id} became host ${ms(elected.at)} after the kill\n  (timed from p${elected.id}'s own role events: electing at ${electing ? ms(electing.at) : '?'}, host at ${ms(elected.at)})`;
    for (let i = 0; i < 10; i++) {
      render(title, false);
      await new Promise((r) => setTimeout(r, 200));
    }
    const survivors = [...children.entries()].filter(([id]) => id !== host.id);
    const finals = new Map<number, Report>();
    await Promise.all(
      survivors.map(
        ([id, child]) =>
          new Promise<void>((resolve) => {
            child.on('message', (m: Report | RoleChange) => {
              if (m.type === 'report') finals.set(id, m);
            });
            child.once('exit', () => resolve());
            child.send('finish');
          }),
      ),
    );
    render('writers stopped; final state');
    const counters = new Set([...finals.values()].map((r) => r.counter));
    const exact = [...finals.values()].every((r) => r.mine === r.acked);
    const survived = [...finals.values()].map((r) => r.acked).reduce((a, b) => a + b, 0);
    console.log(
      `replicas agree on the counter:          ${counters.size === 1 ? 'yes' : 'NO'} (${[...counters].join(', ')})`,
    );
    console.log(
      `each survivor's acknowledged writes are in the state exactly once: ${exact ? 'yes' : 'NO'}`,
    );
    console.log(
      `counter ${[...counters][0]} = ${survived} acknowledged by survivors + writes of the killed host (≥ ${lastOfHost.acked} it reported)`,
    );
    if (counters.size !== 1 || !exact) process.exitCode = 1;
  } finally {
    for (const child of children.values()) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

async function waitFor(probe: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
