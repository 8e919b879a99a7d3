/**
 * Another OS user against the places a mesh's socket lives: a `path` in a directory others can
 * write (they bind it first and play host), a `dir` below a directory others can rearrange
 * (they swap it before the next failover), and the default directory under a shared temp
 * directory (they create it first). Each victim is a real worker process of ours; the
 * attacker's processes run as a throw-away user, and its fake host only counts the bytes it
 * is sent: a victim that connected to it at all has already told it who it is.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, WorkerError } from '../../support/cluster.js';
import { createOtherUser, type OtherUser } from './other-user.js';

/** A fake host at argv[1]: accepts anyone, prints `got <bytes>` for what each sends. */
const IMPOSTOR = `
const net = require('node:net');
const server = net.createServer((s) => s.on('data', (d) => console.log('got ' + d.length)));
server.listen(process.argv[1], () => console.log('ready'));
`;

/** Swaps the directory argv[1] for one of its own and plays host in it at argv[2]. */
const SWAP = `
const fs = require('node:fs');
fs.renameSync(process.argv[1], process.argv[1] + '.gone');
fs.mkdirSync(process.argv[1], { mode: 0o777 });
${IMPOSTOR.replace('process.argv[1]', 'process.argv[2]')}
`;

describe('another user against socket paths and directories', () => {
  let cluster: Cluster | undefined;
  let other: OtherUser | undefined;
  const scratch: string[] = [];
  afterEach(async () => {
    await cluster?.[Symbol.asyncDispose]();
    await other?.[Symbol.asyncDispose]();
    cluster = other = undefined;
    for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** A directory like /tmp: writable by everyone, sticky. */
  function sharedTmp(): string {
    const dir = mkdtempSync(join(tmpdir(), 'memsync-shared-'));
    chmodSync(dir, 0o1777);
    scratch.push(dir);
    return dir;
  }

  it('`path` in a directory others can write: refused with ERR_UNSAFE_PATH, never connected', async () => {
    cluster = new Cluster();
    other = createOtherUser();
    const path = join(sharedTmp(), 'app.sock');
    const impostor = await other.run(IMPOSTOR, [path]);
    const victim = await cluster.spawn();
    const error = await victim
      .call('start', { name: cluster.name, options: { path, timeout: 3_000 } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerError);
    expect((error as WorkerError).code).toBe('ERR_UNSAFE_PATH');
    expect((error as WorkerError).message).toMatch(/writable by group or others/);
    expect(impostor.output()).not.toMatch(/got/);
  });

  it('a `dir` whose parent others can rearrange: the next election refuses to follow a swap', {
    timeout: 60_000,
  }, async () => {
    cluster = new Cluster();
    other = createOtherUser();
    const parent = mkdtempSync(join(tmpdir(), 'memsync-parent-'));
    scratch.push(parent);
    chmodSync(parent, 0o755);
    const dir = join(parent, 'mesh');
    const host = await cluster.start({ dir });
    const client = await cluster.start({ dir });
    expect([host.role, client.role]).toEqual(['host', 'client']);
    const { address } = (await cluster.oneHost()).status;
    // Later someone opens the parent up (a careless chmod): others may now rename in it.
    chmodSync(parent, 0o777);
    const impostor = await other.run(SWAP, [dir, address.path ?? '']);
    const seen = client.worker.events.length;
    await host.worker.kill();
    const refusal = await client.worker.waitForEvent(
      (e) => e.event === 'error' && e.code === 'ERR_UNSAFE_PATH',
      15_000,
      seen,
    );
    expect(refusal.message).toMatch(/is writable by group or others|owned by uid/);
    expect(impostor.output()).not.toMatch(/got/);
  });

  it('a `dir` below a directory another user owns: refused at construction', async () => {
    cluster = new Cluster();
    other = createOtherUser();
    const theirs = join(`/home/${other.name}`);
    const victim = await cluster.spawn();
    const error = await victim
      .call('start', { name: cluster.name, options: { dir: join(theirs, 'memsync'), timeout: 3_000 } })
      .catch((e: unknown) => e);
    expect((error as WorkerError).code).toBe('ERR_UNSAFE_PATH');
    expect((error as WorkerError).message).toMatch(new RegExp(`owned by uid ${other.uid}`));
  });

  it('the default directory pre-created in the shared temp dir does not stop a default start()', async () => {
    cluster = new Cluster();
    other = createOtherUser();
    const tmp = sharedTmp();
    const home = mkdtempSync(join(tmpdir(), 'memsync-home-'));
    scratch.push(home);
    // Taken first by the other user: the old default, and a symlink variant of it.
    other.exec(`require('node:fs').mkdirSync(process.argv[1], { mode: 0o700 })`, [join(tmp, `memsync-${process.getuid?.()}`)]);
    other.exec(`require('node:fs').symlinkSync('/', process.argv[1])`, [join(tmp, 'memsync-root')]);
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, TMPDIR: tmp };
    delete env.XDG_RUNTIME_DIR;
    const first = await cluster.spawn({ env });
    expect(await first.call('start', { name: cluster.name, options: { timeout: 5_000 } })).toBe('host');
    const second = await cluster.spawn({ env });
    expect(await second.call('start', { name: cluster.name, options: { timeout: 5_000 } })).toBe('client');
    const { address } = (await cluster.oneHost()).status;
    expect(address.path?.startsWith(join(home, '.memsync'))).toBe(true);
  });
});
