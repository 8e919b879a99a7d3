import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  abstractGuardName,
  abstractSocketGuard,
  lockFileGuard,
  type TakeoverGuard,
} from '../../../src/transport/takeover-guard.js';

describe('abstractGuardName', () => {
  it('fills the whole 108-byte sun_path, so Node 20 and 22 bind the same name', () => {
    const name = abstractGuardName('/run/user/1000/memsync/a.sock');
    expect(Buffer.byteLength(name)).toBe(108);
    expect(name.startsWith('\0memsync-guard-')).toBe(true);
  });

  it('is the same for the same path spelled differently, different for another path', () => {
    expect(abstractGuardName('/tmp/x/../a.sock')).toBe(abstractGuardName('/tmp/a.sock'));
    expect(abstractGuardName('/tmp/b.sock')).not.toBe(abstractGuardName('/tmp/a.sock'));
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

if (process.platform === 'linux') guardContract('abstract socket', abstractSocketGuard);
guardContract('lock file', lockFileGuard);

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
