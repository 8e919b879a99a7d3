/**
 * Another OS user on this machine, for attacks that need one: a throw-away account made with
 * `useradd` (these tests run as root, as CI does) and removed with `userdel -r` afterwards,
 * and processes run under it (Node's spawn with `uid`/`gid`), each killed by pid on dispose.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { within } from '../../unit/transport/helpers.js';

export interface OtherUser extends AsyncDisposable {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  /**
   * Runs `script` (JavaScript, as `node -e`) as this user with `args` from process.argv[1] on, and
   * resolves once it prints a line starting with `ready` (the line is returned). It stays
   * alive until the user is disposed (or it exits on its own); `output()` is all it printed.
   */
  run(script: string, args?: string[], ms?: number): Promise<Running>;
  /** Runs `script` as this user to completion; resolves with its stdout. */
  exec(script: string, args?: string[]): string;
}

export interface Running {
  readonly ready: string;
  output(): string;
}

/** Creates the throw-away user. Needs root: a test that needs it fails loudly without. */
export function createOtherUser(): OtherUser {
  if (process.getuid?.() !== 0) throw new Error('this test needs root to create a second OS user');
  const name = `msx${randomBytes(4).toString('hex')}`;
  execFileSync('useradd', ['--create-home', '--shell', '/usr/sbin/nologin', name]);
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
  const children: ChildProcess[] = [];
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: `/home/${name}` };
  return {
    name,
    uid,
    gid,
    run(script, args = [], ms = 15_000) {
      const child = spawn(process.execPath, ['-e', script, '--', ...args], {
        uid,
        gid,
        env,
        cwd: '/',
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      children.push(child);
      return within(
        ms,
        new Promise<Running>((resolve, reject) => {
          let out = '';
          child.stdout?.on('data', (chunk: Buffer) => {
            out += chunk.toString();
            const ready = out.split('\n').find((l) => l.startsWith('ready'));
            if (ready !== undefined) resolve({ ready, output: () => out });
          });
          child.once('exit', (code) => reject(new Error(`attacker exited (${code}) before ready: ${out}`)));
        }),
        `process of user ${name}`,
      );
    },
    exec(script, args = []) {
      return execFileSync(process.execPath, ['-e', script, '--', ...args], {
        uid,
        gid,
        env,
        cwd: '/',
        encoding: 'utf8',
      });
    },
    async [Symbol.asyncDispose]() {
      await Promise.all(
        children.map((child) => {
          if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
          const exited = new Promise((resolve) => child.once('exit', resolve));
          process.kill(child.pid, 'SIGKILL');
          return within(5_000, exited, 'attacker exit');
        }),
      );
      execFileSync('userdel', ['--remove', name], { stdio: 'ignore' });
    },
  };
}
