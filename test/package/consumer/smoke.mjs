// Two real processes over the default (Unix socket) transport, from the installed package:
// the parent hosts, a forked child joins, each sees the other's patch, and when the parent
// stops the child takes over as host. `node smoke.mjs` runs it; exit code 0 means it held.
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemSync } from 'memsync';

const TIMEOUT_MS = 20_000;

/** Resolves once `probe()` holds, checked on every change; rejects after `ms`. */
function until(mem, probe, ms, what) {
  return new Promise((resolve, reject) => {
    if (probe()) return resolve();
    const timer = setTimeout(() => reject(new Error(`${what}: not reached in ${ms} ms`)), ms);
    const check = () => {
      if (!probe()) return;
      clearTimeout(timer);
      mem.off('change', check).off('role', check);
      resolve();
    };
    mem.on('change', check).on('role', check);
  });
}

/** The child's next IPC message; rejects after `ms` or if the child exits first. */
function nextMessage(child, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message from the child in ${ms} ms`)), ms);
    const onExit = (code) => reject(new Error(`child exited (${code}) before its message`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve(message);
    });
  });
}

if (process.argv[2] === 'child') {
  const [, , , dir, name] = process.argv;
  const mem = new MemSync(name, { n: 0 }, { dir, timeout: TIMEOUT_MS });
  const role = await mem.start();
  await mem.patch({ $inc: { n: 1 } });
  await until(mem, () => mem.data.n === 2, TIMEOUT_MS, 'child sees the parent patch');
  process.send({ role, n: mem.data.n });
  await until(mem, () => mem.role === 'host', TIMEOUT_MS, 'child takes over');
  process.send({ role: mem.role, n: mem.data.n });
  await mem.stop();
  process.disconnect();
} else {
  const dir = mkdtempSync(join(tmpdir(), 'memsync-smoke-'));
  const name = `smoke-${process.pid}`;
  const mem = new MemSync(name, { n: 0 }, { dir, timeout: TIMEOUT_MS });
  let child;
  const guard = setTimeout(() => {
    console.error('smoke test timed out');
    child?.kill('SIGKILL');
    process.exit(1);
  }, TIMEOUT_MS * 2);
  try {
    assert.equal(await mem.start(), 'host');
    child = fork(fileURLToPath(import.meta.url), ['child', dir, name]);
    const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const joined = nextMessage(child, TIMEOUT_MS);
    await until(mem, () => mem.data.n === 1, TIMEOUT_MS, 'parent sees the child patch');
    await mem.patch({ $inc: { n: 1 } });
    assert.deepEqual(await joined, { role: 'client', n: 2 });
    const tookOver = nextMessage(child, TIMEOUT_MS);
    await mem.stop();
    assert.deepEqual(await tookOver, { role: 'host', n: 2 });
    assert.equal(await exited, 0);
    console.log(`two-process smoke ok on node ${process.version}`);
  } finally {
    clearTimeout(guard);
    child?.kill('SIGKILL');
    await mem.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
