/** Forking fixture processes and talking to them, with every wait bounded. */
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { within } from '../../unit/transport/helpers.js';

export interface ChildMessage {
  type: string;
  pid: number;
  code?: string;
  cause?: string;
}

export interface Child {
  process: ChildProcess;
  /** Resolves with the next message of this type (including ones already received). */
  next(type: string, ms?: number): Promise<ChildMessage>;
  /** Resolves with the exit code / signal once it has exited. */
  exited(ms?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): void;
}

const FIXTURES = join(import.meta.dirname, 'fixtures');

export function forkFixture(script: string, args: string[]): Child {
  const child = fork(join(FIXTURES, script), args, {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const inbox: ChildMessage[] = [];
  const waiters: (() => void)[] = [];
  child.on('message', (message) => {
    inbox.push(message as ChildMessage);
    for (const waiter of waiters.splice(0)) waiter();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    process: child,
    next(type, ms = 20_000) {
      return within(
        ms,
        new Promise<ChildMessage>((resolve, reject) => {
          const check = () => {
            const index = inbox.findIndex((m) => m.type === type);
            if (index >= 0) resolve(inbox.splice(index, 1)[0]!);
            else if (child.exitCode !== null || child.signalCode !== null)
              reject(new Error(`child exited before '${type}'`));
            else waiters.push(check);
          };
          child.once('exit', () => check());
          check();
        }),
        `child message '${type}'`,
      );
    },
    exited(ms = 20_000) {
      return within(ms, exit, 'child exit');
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        process.kill(child.pid, 'SIGKILL');
      }
    },
  };
}
