/**
 * One counter, four processes: each sends 500 `$inc`s with eight in flight at a time.
 * `$inc` is a relative write: it acts on whatever value it finds, in the host's order, so
 * no increment is lost to a race and every process ends with exactly 2000.
 *
 *   node --import tsx examples/counter.ts
 *
 * Exits with 0 when every process saw exactly 2000 and every increment was applied, else 1.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemSync } from '../src/index.js';

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
  // The parent is gone (crashed or killed): never linger holding the socket.
  process.on('disconnect', () => process.exit(0));
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
  await whenCountReaches(mem, TOTAL, 10_000);

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
      const child = fork(import.meta.filename, ['worker', String(id), dir], {
        execArgv: ['--import', 'tsx'],
      });
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

    await Promise.all(children.map((child) => stopChild(child, 5_000)));
  } finally {
    for (const child of children) killIfRunning(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

function send(message: FromWorker): void {
  process.send?.(message);
}

function nextCommand(command: string): Promise<void> {
  return new Promise((resolve) => {
    const listener = (message: unknown): void => {
      if (message !== command) return;
      process.off('message', listener);
      resolve();
    };
    process.on('message', listener);
  });
}

function whenCountReaches(mem: MemSync<State>, target: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const finish = (): void => {
      clearTimeout(timer);
      mem.off('change', check);
      resolve();
    };
    // On timeout, resolve anyway: the parent judges the count this process reports.
    const timer = setTimeout(finish, timeoutMs);
    const check = (): void => {
      if (mem.data.count >= target) finish();
    };
    mem.on('change', check);
    check();
  });
}

/** The child's next message of `type`; rejects if the child exits first or time runs out. */
function nextMessage<M extends FromWorker>(
  child: ChildProcess,
  type: M['type'],
  timeoutMs: number,
): Promise<M> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`pid ${child.pid}: no '${type}' within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (message: FromWorker): void => {
      if (message.type !== type) return;
      cleanup();
      resolve(message as M);
    };
    const onExit = (code: number | null, signal: string | null): void => {
      cleanup();
      reject(new Error(`pid ${child.pid} exited (${signal ?? code}) before '${type}'`));
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** Asks the child to leave the mesh and waits for it to exit (bounded). */
function stopChild(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.send('stop');
  });
}

function killIfRunning(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(child.pid, 'SIGKILL');
  } catch {
    // it exited meanwhile
  }
}
