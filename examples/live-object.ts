/**
 * The live object: write to shared state as if it were a plain object. Everything done to
 * it in one tick (assignments, `delete`, `push`) becomes ONE patch. This process observes;
 * a second process writes:
 *
 *   const state = mem.live();
 *   state.users.push({ name: 'ada' }); state.settings.theme = 'dark'; delete state.tmp;
 *
 * and, in a later tick, `state.users.push({ name: 'grace' }); state.settings.fontSize = 14;`.
 * Two ticks, so the observer sees two `change` events and the mesh orders two patches.
 *
 *   node --import tsx examples/live-object.ts
 *
 * Exits with 0 when both processes end with the expected object after exactly one patch
 * per tick, else 1.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { type ChangeEvent, type DeepReadonly, MemSync } from 'memsync';
import {
  ask,
  exitWithParent,
  forkWithTsx,
  killIfRunning,
  nextCommand,
  nextMessage,
  stopChild,
  waitUntil,
} from './lib/children.js';

type User = { name: string };
type State = {
  users: User[];
  settings: { theme: string; fontSize?: number };
  tmp?: { draft: string };
};

const DEFAULTS: State = { users: [], settings: { theme: 'light' }, tmp: { draft: 'scratch' } };
const EXPECTED: State = {
  users: [{ name: 'ada' }, { name: 'grace' }],
  settings: { theme: 'dark', fontSize: 14 },
};
const TICKS = 2;

type Ready = { type: 'ready'; peer: string; role: string };
type Report = { type: 'report'; data: DeepReadonly<State>; version: number };
type FromWriter = Ready | Report;

if (process.argv[2] === 'writer') await writer(process.argv[3] ?? '');
else await main();

async function writer(dir: string): Promise<void> {
  exitWithParent();
  const send = (message: FromWriter): void => void process.send?.(message);
  const mem = new MemSync<State>('live-object', DEFAULTS, { dir });
  const role = await mem.start();
  const go = nextCommand('go');
  send({ type: 'ready', peer: mem.id, role });
  await go;

  const state = mem.live();
  // Tick 1: three mutations, one patch.
  state.users.push({ name: 'ada' });
  state.settings.theme = 'dark';
  delete state.tmp;
  // A macrotask later the first patch has been flushed; what follows is a second patch.
  await new Promise((resolve) => setImmediate(resolve));
  state.users.push({ name: 'grace' });
  state.settings.fontSize = 14;

  process.on('message', async (message) => {
    if (message === 'report') send({ type: 'report', data: mem.data, version: mem.version });
    if (message === 'stop') {
      await mem.stop();
      process.exit(0);
    }
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'memsync-live-'));
  const mem = new MemSync<State>('live-object', DEFAULTS, { dir });
  let child: ChildProcess | undefined;
  const failures: string[] = [];
  const check = (ok: boolean, what: string): void => {
    console.log(`  ${ok ? 'yes' : 'NO '}  ${what}`);
    if (!ok) failures.push(what);
  };
  try {
    console.log(`observer (this process) is ${await mem.start()}; starting the writer process`);
    const changes: ChangeEvent<State>[] = [];
    // Observers run just before the `change` event of the same patch: print them under it.
    const observed: string[] = [];
    mem.observe('settings.theme', (theme, c) =>
      observed.push(`observe('settings.theme'): ${c.previous} -> ${theme}`),
    );
    mem.observe('users', (users) =>
      observed.push(`observe('users'): [${users.map((u) => u.name).join(', ')}]`),
    );
    mem.observe('tmp', (tmp, c) =>
      observed.push(`observe('tmp'): ${JSON.stringify(c.previous)} -> ${JSON.stringify(tmp)}`),
    );
    mem.on('change', (event) => {
      changes.push(event);
      console.log(
        `  change event #${changes.length}: version ${event.version}, paths [${event.paths.join(', ')}]`,
      );
      for (const line of observed.splice(0)) console.log(`      ${line}`);
    });

    child = forkWithTsx(import.meta.filename, ['writer', dir]);
    const writer = child;
    const ready = await nextMessage<Ready>(writer, 'ready', 15_000);
    console.log(`writer joined as ${ready.role}; it mutates mem.live() in two ticks\n`);
    writer.send('go');

    const holdsExpected = (): boolean => isDeepStrictEqual(mem.data, EXPECTED);
    const reached = await waitUntil(mem, 'change', holdsExpected, 10_000);
    const report = await ask<Report>(writer, 'report', 'report', 5_000);

    console.log('\nchecks:');
    check(reached, `the observer holds ${JSON.stringify(EXPECTED)}`);
    check(isDeepStrictEqual(report.data, EXPECTED), 'the writer holds the same object');
    check(
      changes.length === TICKS,
      `${TICKS} ticks of writes gave ${changes.length} change events here`,
    );
    check(mem.version === TICKS, `the mesh ordered ${mem.version} patches for ${TICKS} ticks`);
    check(
      changes.every((c) => c.origin === ready.peer && !c.local),
      'every change came from the writer process',
    );
    const first = changes[0]?.paths ?? [];
    const touched = (p: string): boolean => first.some((q) => q === p || q.startsWith(`${p}.`));
    check(
      ['users', 'settings', 'tmp'].every(touched),
      'the first patch carried the push, the assignment and the delete together',
    );

    await stopChild(writer, 'stop', 5_000);
  } finally {
    await mem.stop();
    if (child) killIfRunning(child);
    rmSync(dir, { recursive: true, force: true });
  }
  if (failures.length > 0) {
    console.log(`\nFAILED: ${failures.join('; ')}`);
    process.exitCode = 1;
  } else {
    console.log('\none tick of plain-object writes = one patch = one change event everywhere');
  }
}
