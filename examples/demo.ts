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
  id: number;
  pid: number;
  role: string;
  counter: number;
  mine: number;
  acked: number;
  version: number;
};
type State = { counter: number; writes: Record<string, number> };

const PROCESSES = 4;

if (process.argv[2] === 'worker') await worker(Number(process.argv[3]), process.argv[4] ?? '');
else await main();

async function worker(id: number, dir: string): Promise<void> {
  const mem = new MemSync<State>('demo', { counter: 0, writes: {} }, { dir });
  await mem.start();
  let acked = 0;
  let writing = true;
  const report = (): void => {
    process.send?.({
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

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'memsync-demo-'));
  const children = new Map<number, ChildProcess>();
  const reports = new Map<number, Report>();
  const tty = process.stdout.isTTY;
  const render = (title: string): void => {
    const rows = [...reports.values()]
      .sort((a, b) => a.id - b.id)
      .map((r) => {
        const child = children.get(r.id);
        const role = child?.signalCode ? 'killed' : child?.exitCode !== null ? 'stopped' : r.role;
        return `  p${r.id}  pid ${String(r.pid).padEnd(7)} ${role.padEnd(9)} counter ${String(r.counter).padEnd(6)} version ${String(r.version).padEnd(6)} acked ${r.acked}`;
      });
    if (tty) process.stdout.write('\x1b[2J\x1b[H');
    console.log(
      `memsync demo — ${PROCESSES} processes, one object\n${title}\n${rows.join('\n')}\n`,
    );
  };
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
      child.on('message', (r: Report) => reports.set(r.id, r));
      children.set(id, child);
      await new Promise((r) => setTimeout(r, 150)); // the first one becomes host
    }
    await waitFor(() => reports.size === PROCESSES && hostOf() !== undefined, 15_000);
    for (let i = 0; i < 10; i++) {
      render('every process increments the shared counter');
      await new Promise((r) => setTimeout(r, 200));
    }
    const host = hostOf();
    if (!host) throw new Error('no host');
    const killedAt = Date.now();
    children.get(host.id)?.kill('SIGKILL');
    const lastOfHost = { ...host };
    await waitFor(() => hostOf() !== undefined && hostOf()?.id !== host.id, 10_000);
    const elected = Date.now() - killedAt;
    for (let i = 0; i < 10; i++) {
      render(
        `host p${host.id} killed with SIGKILL; p${hostOf()?.id} elected (seen by the demo ${elected} ms after the kill)`,
      );
      await new Promise((r) => setTimeout(r, 200));
    }
    const survivors = [...children.entries()].filter(([id]) => id !== host.id);
    const finals = new Map<number, Report>();
    await Promise.all(
      survivors.map(
        ([id, child]) =>
          new Promise<void>((resolve) => {
            child.on('message', (r: Report) => finals.set(id, r));
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
