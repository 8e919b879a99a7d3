import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { isProcessRunning, runningFromStat } from '../../../src/transport/process-alive.js';

const children: Array<ReturnType<typeof spawn>> = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
});

/** Polls (bounded) until `check` holds: a signal's effect on /proc is not synchronous with kill(). */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`not ${what} within 5 s`);
}

describe('runningFromStat: a /proc/PID/stat line', () => {
  const line = (state: string, flags: number): string => `4242 (node (x) y) ${state} 1 4242 4242 0 -1 ${flags} 0 0 0`;
  it('reads running and sleeping processes as running', () => {
    expect(runningFromStat(line('R', 0x400000))).toBe(true);
    expect(runningFromStat(line('S', 0x400000))).toBe(true);
    expect(runningFromStat(line('D', 0))).toBe(true);
  });
  it('reads stopped, traced, zombie and exiting ones as not running', () => {
    for (const state of ['T', 't', 'Z', 'X']) expect(runningFromStat(line(state, 0))).toBe(false);
    expect(runningFromStat(line('R', 0x400004))).toBe(false);
  });
  it('gives no answer for what does not parse', () => {
    expect(runningFromStat('garbage')).toBeUndefined();
    expect(runningFromStat('1 (x) R 1 1 1 0 -1 nope')).toBeUndefined();
  });
});

describe.skipIf(process.platform !== 'linux')('isProcessRunning on a real process', () => {
  it('is true while it runs, false while SIGSTOPped, true again after SIGCONT, false once dead', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    children.push(child);
    await once(child, 'spawn');
    const pid = child.pid!;
    expect(isProcessRunning(pid)).toBe(true);
    child.kill('SIGSTOP');
    await until(() => isProcessRunning(pid) === false, 'stopped');
    child.kill('SIGCONT');
    await until(() => isProcessRunning(pid) === true, 'running again');
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(isProcessRunning(pid)).toBe(false);
  });

  it('gives no answer for a pid it was not given', () => {
    expect(isProcessRunning(undefined)).toBeUndefined();
  });
});
