import { readFileSync } from 'node:fs';

/**
 * Whether a process of this machine is alive, by pid: signal 0 checks without signalling.
 * EPERM means it exists but belongs to another user. A recycled pid reads as alive, which
 * only makes a waiter wait longer, never shorter. Undefined for a pid we were not given.
 */
export function isProcessAlive(pid: number | undefined): boolean | undefined {
  if (pid === undefined || !Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Linux's PF_EXITING (include/linux/sched.h): set as a process starts to exit, before its sockets close. */
const PF_EXITING = 0x4;

/**
 * Whether a process of this machine is alive and running: not stopped (SIGSTOP, a debugger),
 * not exiting, not a zombie. Linux only (from /proc/PID/stat); undefined elsewhere, or when
 * it cannot be read. A process killed by SIGKILL is exiting by the time its sockets close.
 */
export function isProcessRunning(pid: number | undefined): boolean | undefined {
  const alive = isProcessAlive(pid);
  if (alive !== true || process.platform !== 'linux') return alive === false ? false : undefined;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  return runningFromStat(stat);
}

/** Reads the state and flags of a /proc/PID/stat line; undefined when it does not parse. */
export function runningFromStat(stat: string): boolean | undefined {
  // The command name (field 2) is in parentheses and may hold anything, ')' and spaces too.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const flags = Number(fields[6]);
  if (state === undefined || state.length !== 1 || !Number.isSafeInteger(flags)) return undefined;
  if ('TtZXx'.includes(state)) return false;
  return (flags & PF_EXITING) === 0;
}
