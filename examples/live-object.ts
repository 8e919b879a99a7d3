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
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { type ChangeEvent, MemSync } from '../src/index.js';

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

type FromWriter =
  | { type: 'ready'; peer: string; role: string }
  | { type: 'report'; data: State; version: number };

if (process.argv[2] === 'writer') await writer(process.argv[3] ?? '');
else await main();

async function writer(dir: string): Promise<void> {
  process.on('disconnect', () => process.exit(0));
  const send = (message: FromWriter): void => void process.send?.(message);
  const mem = new MemSync<State>('live-object', DEFAULTS, { dir });
  const role = await mem.start();
  const go = new Promise((resolve) => process.once('message', resolve));
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

    child = fork(import.meta.filename, ['writer', dir], { execArgv: ['--import', 'tsx'] });
    const writer = child;
    const ready = await nextMessage(writer, 'ready', 15_000);
    console.log(`writer joined as ${ready.role}; it mutates mem.live() in two ticks\n`);
    writer.send('go');

    const reached = await whenData(mem, EXPECTED, 10_000);
    const report = await ask(writer, 'report', 5_000);

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

    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 5_000);
      writer.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      writer.send('stop');
    });
  } finally {
    await mem.stop();
    if (child?.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // it exited meanwhile
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
  if (failures.length > 0) {
    console.log(`\nFAILED: ${failures.join('; ')}`);
    process.exitCode = 1;
  } else {
    console.log('\none tick of plain-object writes = one patch = one change event everywhere');
  }
}

/** Resolves true once `mem.data` equals `expected`, false after `timeoutMs`. */
function whenData(mem: MemSync<State>, expected: State, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const finish = (reached: boolean): void => {
      clearTimeout(timer);
      mem.off('change', check);
      resolve(reached);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    const check = (): void => {
      if (isDeepStrictEqual(mem.data, expected)) finish(true);
    };
    mem.on('change', check);
    check();
  });
}

function ask<K extends FromWriter['type']>(
  child: ChildProcess,
  type: K,
  timeoutMs: number,
): Promise<Extract<FromWriter, { type: K }>> {
  const reply = nextMessage(child, type, timeoutMs);
  child.send(type);
  return reply;
}

/** The child's next message of `type`; rejects if the child exits first or time runs out. */
function nextMessage<K extends FromWriter['type']>(
  child: ChildProcess,
  type: K,
  timeoutMs: number,
): Promise<Extract<FromWriter, { type: K }>> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`the writer sent no '${type}' within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (message: FromWriter): void => {
      if (message.type !== type) return;
      cleanup();
      resolve(message as Extract<FromWriter, { type: K }>);
    };
    const onExit = (): void => {
      cleanup();
      reject(new Error(`the writer exited before '${type}'`));
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}
