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
