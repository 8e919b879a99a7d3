/**
 * One counter, four processes: each sends 500 `$inc`s with eight in flight at a time.
 * `$inc` is a relative write: it acts on whatever value it finds, in the host's order, so
 * no increment is lost to a race and every process ends with exactly 2000.
 *
 *   node --import tsx examples/counter.ts
 *
 * Exits with 0 when every process saw exactly 2000 and every increment was applied, else 1.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemSync } from 'memsync';
import {
  exitWithParent,
  forkWithTsx,
  killIfRunning,
  nextCommand,
  nextMessage,
  stopChild,
  waitUntil,
} from './lib/children.js';

const PROCESSES = 4;
const INCREMENTS = 500;
const IN_FLIGHT = 8;
const TOTAL = PROCESSES * INCREMENTS;

type State = { count: number };
type Ready = { type: 'ready'; id: number; pid: number; role: string };
type Done = {
  type: 'done';
  id: number;
  role: string;
  count: number;
  applied: number;
  version: number;
  ms: number;
};
type FromWorker = Ready | Done;

if (process.argv[2] === 'worker') await worker(Number(process.argv[3]), process.argv[4] ?? '');
else await main();

async function worker(id: number, dir: string): Promise<void> {
  exitWithParent();
  const mem = new MemSync<State>('counter', { count: 0 }, { dir });
  const role = await mem.start();
  const go = nextCommand('go');
  send({ type: 'ready', id, pid: process.pid, role });
  await go;

  const started = performance.now();
  let sent = 0;
  let applied = 0;
  // Each lane awaits its own patch before sending the next: IN_FLIGHT patches are always out.
  const lane = async (): Promise<void> => {
    while (sent < INCREMENTS) {
      sent++;
      const result = await mem.patch({ $inc: { count: 1 } });
      if (result.applied) applied++;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  const ms = performance.now() - started;
  // Our own increments are ordered; the other processes' may still be on their way here.
  // On timeout, go on anyway: the parent judges the count this process reports.
  await waitUntil(mem, 'change', () => mem.data.count >= TOTAL, 10_000);

  const stop = nextCommand('stop');
  const count = mem.data.count;
  send({ type: 'done', id, role: mem.role, count, applied, version: mem.version, ms });
  await stop;
  await mem.stop();
  process.exit(0);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'memsync-counter-'));
  const children: ChildProcess[] = [];
  try {
    console.log(`starting ${PROCESSES} processes; they elect a host among themselves`);
    const readies: Promise<Ready>[] = [];
    for (let id = 0; id < PROCESSES; id++) {
      const child = forkWithTsx(import.meta.filename, ['worker', String(id), dir]);
      children.push(child);
      readies.push(nextMessage<Ready>(child, 'ready', 15_000));
    }
    for (const ready of await Promise.all(readies)) {
      console.log(`  p${ready.id} (pid ${ready.pid}) joined as ${ready.role}`);
    }

    console.log(
      `\neach process sends ${INCREMENTS} { $inc: { count: 1 } }, ${IN_FLIGHT} in flight at a time`,
    );
    const dones = children.map((child) => nextMessage<Done>(child, 'done', 20_000));
    const started = performance.now();
    for (const child of children) child.send('go');
    const reports = await Promise.all(dones);
    const elapsed = performance.now() - started;

    for (const r of reports) {
      console.log(
        `  p${r.id} ${r.role.padEnd(6)} sees count = ${r.count}  (version ${r.version}; its ${r.applied} increments applied in ${r.ms.toFixed(0)} ms)`,
      );
    }
    console.log('  (the host orders its own patches without a round trip over a socket)');
    const exact = reports.every((r) => r.count === TOTAL);
    const allApplied = reports.every((r) => r.applied === INCREMENTS);
    console.log(
      `\n${TOTAL} increments from ${PROCESSES} processes in ${elapsed.toFixed(0)} ms (${((TOTAL / elapsed) * 1000).toFixed(0)} patches/s)`,
    );
    console.log(`every process sees exactly ${TOTAL}: ${exact ? 'yes' : 'NO'}`);
    console.log(`every increment was applied:        ${allApplied ? 'yes' : 'NO'}`);
    if (!exact || !allApplied) process.exitCode = 1;

    await Promise.all(children.map((child) => stopChild(child, 'stop', 5_000)));
  } finally {
    for (const child of children) killIfRunning(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

function send(message: FromWorker): void {
  process.send?.(message);
}
