import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { link } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import {
  guardPathFor,
  lockFileGuard,
  socketFileGuard,
  type TakeoverGuard,
} from '../../../src/transport/takeover-guard.js';

describe('guardPathFor', () => {
  it('lies in the guarded socket\'s own directory, no longer than the default socket name', () => {
    const path = guardPathFor('/run/user/1000/memsync/3d1f0c2b9e8a7f61.sock');
    expect(path.startsWith('/run/user/1000/memsync/.')).toBe(true);
    expect(path.length).toBeLessThanOrEqual('/run/user/1000/memsync/3d1f0c2b9e8a7f61.sock'.length);
    expect(guardPathFor('/tmp/d/b.sock')).not.toBe(guardPathFor('/tmp/d/a.sock'));
  });
});

function guardContract(name: string, makeGuard: () => TakeoverGuard): void {
  describe(`${name} guard`, () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'memsync-guard-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('is held by one taker at a time and free again once released', async () => {
      const path = join(dir, 'a.sock');
      const first = await makeGuard().acquire(path);
      expect(first).toBeTypeOf('function');
      expect(await makeGuard().acquire(path)).toBeUndefined();
      // Another path has its own guard.
      const other = await makeGuard().acquire(join(dir, 'b.sock'));
      expect(other).toBeTypeOf('function');
      await other?.();
      await first?.();
      const again = await makeGuard().acquire(path);
      expect(again).toBeTypeOf('function');
      await again?.();
    });
  });
}

guardContract('socket file', socketFileGuard);
guardContract('lock file', lockFileGuard);

/** A socket file nobody listens on, as a holder killed while holding the guard leaves it. */
async function deadSocketFile(path: string): Promise<void> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(`${path}.bound`, resolve));
  await link(`${path}.bound`, path);
  await new Promise((resolve) => server.close(resolve));
}

describe('socket file guard', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'memsync-guard-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reclaims the file of a holder that died holding it, and removes it on release', async () => {
    const path = join(dir, 'a.sock');
    await deadSocketFile(guardPathFor(path));
    const release = await socketFileGuard().acquire(path);
    expect(release).toBeTypeOf('function');
    expect(await socketFileGuard().acquire(path)).toBeUndefined();
    await release?.();
    expect(existsSync(guardPathFor(path))).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('replaces a guard file that is not a socket (nothing can hold it)', async () => {
    const path = join(dir, 'a.sock');
    writeFileSync(guardPathFor(path), 'not a socket');
    const release = await socketFileGuard().acquire(path);
    // A regular file refuses connections like a dead socket: it is moved aside and removed.
    expect(release).toBeTypeOf('function');
    await release?.();
  });
});

describe('lock file guard', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'memsync-guard-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reclaims a lock whose holder died', async () => {
    const path = join(dir, 'a.sock');
    // A pid that certainly existed and is certainly gone: a child we ran to completion.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(`${path}.lock`, `${dead}\nabc\n`);
    const release = await lockFileGuard().acquire(path);
    expect(release).toBeTypeOf('function');
    expect(readFileSync(`${path}.lock`, 'utf8').startsWith(`${process.pid}\n`)).toBe(true);
    await release?.();
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('respects a lock held by a live process', async () => {
    const path = join(dir, 'a.sock');
    writeFileSync(`${path}.lock`, `${process.ppid}\nabc\n`);
    expect(await lockFileGuard().acquire(path)).toBeUndefined();
    expect(readFileSync(`${path}.lock`, 'utf8')).toBe(`${process.ppid}\nabc\n`);
  });

  it('treats a fresh lock without a pid as held (its owner may still be writing it)', async () => {
    const path = join(dir, 'a.sock');
    writeFileSync(`${path}.lock`, '');
    expect(await lockFileGuard().acquire(path)).toBeUndefined();
  });
});
