/**
 * One writer at a time, for the life of the process (MemSync's `maxWriters: 1`, done with a
 * lock that frees itself): three processes each wait for `mem.lock('writer')` and hold it
 * until they exit. Only the holder writes. Each write is fenced with the lock's token —
 * `if: { fence: { $lte: token } }` — so even a writer that was cut off and lost its lock could
 * never overwrite its successor. The writer is SIGKILLed: the mesh frees its lock, the next
 * waiter takes over with a larger token, and the log shows one writer after the other.
 *
 *   node --import tsx examples/single-writer.ts
 *
 * Exits with 0 when every check held, else 1.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemSync } from 'memsync';
import { ask, exitWithParent, forkWithTsx, killIfRunning, nextCommand, nextMessage, stopChild } from './lib/children.js';

const PROCESSES = 3;
const WRITES = 5;

type State = { fence: number; log: string[] };
/** Sent by the writer once it has made its writes. */
type Wrote = { type: 'wrote'; id: number; token: number; applied: number };
type Final = { type: 'final'; data: State };

if (process.argv[2] === 'child') await child(Number(process.argv[3]), process.argv[4] ?? '');
else await main();

async function child(id: number, dir: string): Promise<void> {
  exitWithParent();
  const send = (message: Wrote | Final | { type: 'ready' }): void => void process.send?.(message);
  await using mem = new MemSync<State>('single-writer', { fence: 0, log: [] }, { dir });
  await mem.start();
  process.on('message', (message) => {
    if (message === 'final') send({ type: 'final', data: structuredClone(mem.data) as State });
  });
  send({ type: 'ready' });
  // Held until this process exits (or is killed: then the mesh frees it for the next waiter).
  // (A process stopped while it still waits gets ERR_STOPPED: it simply never wrote.)
  await using writer = await mem.lock('writer', { timeout: 60_000 }).catch(() => undefined);
  if (!writer) return;
  let applied = 0;
  for (let i = 1; i <= WRITES; i++) {
    const result = await mem.patch(
      { $set: { fence: writer.token }, $push: { log: `p${id} (token ${writer.token}) write ${i}` } },
      { if: { fence: { $lte: writer.token } } },
    );
    if (result.applied) applied++;
  }
  send({ type: 'wrote', id, token: writer.token, applied });
  await nextCommand('stop');
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'memsync-writer-'));
  const children: ChildProcess[] = [];
  const failures: string[] = [];
  const check = (ok: boolean, what: string): void => {
    console.log(`  ${ok ? 'yes' : 'NO '}  ${what}`);
    if (!ok) failures.push(what);
  };
  try {
    for (let id = 0; id < PROCESSES; id++) children.push(forkWithTsx(import.meta.filename, ['child', String(id), dir]));
    await Promise.all(children.map((c) => nextMessage(c, 'ready', 20_000)));
    // Whichever process holds the lock writes, and says so; the others wait for it.
    const nextWriter = (among: ChildProcess[]): Promise<Wrote> =>
      Promise.race(among.map((c) => nextMessage<Wrote>(c, 'wrote', 20_000)));
    const first = await nextWriter(children);
    console.log(`p${first.id} holds 'writer' (token ${first.token}) and wrote ${first.applied} times; the others wait`);
    const rest = children.filter((_, id) => id !== first.id);
    const successor = nextWriter(rest);
    console.log(`p${first.id} is SIGKILLed`);
    children[first.id]!.kill('SIGKILL');
    const second = await successor;
    console.log(`p${second.id} took over (token ${second.token}) and wrote ${second.applied} times`);
    const writers = [first, second];
    const final = await ask<Final>(children[second.id]!, 'final', 'final', 10_000);
    console.log('\nthe log:');
    for (const line of final.data.log) console.log(`  ${line}`);

    console.log('\nchecks:');
    check(second.id !== first.id && second.token > first.token, 'the successor holds a larger fencing token');
    check(first.applied === WRITES && second.applied === WRITES, 'every fenced write of each writer applied');
    const expected = [...writers.flatMap((w) => Array.from({ length: WRITES }, (_, i) => `p${w.id} (token ${w.token}) write ${i + 1}`))];
    check(JSON.stringify(final.data.log) === JSON.stringify(expected), 'the log shows one writer, then the other: never two at once');
    check(final.data.fence === second.token, "the fence holds the current writer's token");
    for (const c of children) await stopChild(c, 'stop', 5_000);
  } finally {
    for (const c of children) killIfRunning(c);
    rmSync(dir, { recursive: true, force: true });
  }
  if (failures.length > 0) {
    console.log(`\nFAILED: ${failures.join('; ')}`);
    process.exitCode = 1;
  } else {
    console.log('\none writer at a time; a dead writer freed the role for the next');
  }
}
