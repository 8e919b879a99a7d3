/**
 * The worker side of the IPC channel: runs each command the parent sends and answers it
 * with `{id, ok, result | error}`. `exit` leaves normally (so a CPU profile gets written);
 * a lost parent ends the worker at once, so no worker outlives an interrupted run.
 */
import type { WorkerEvent, WorkerReply } from './protocol.js';

export function report(event: WorkerEvent): void {
  process.send?.(event);
}

/** Reports `event`, then exits once the channel has taken it (an exit at once could drop it). */
export function reportAndExit(event: WorkerEvent): void {
  if (!process.send) process.exit(0);
  process.send(event, () => process.exit(0));
}

export function serve(
  handle: (command: { cmd: string } & Record<string, unknown>) => Promise<unknown>,
): void {
  process.on('message', (raw: { id: number; cmd: string } & Record<string, unknown>) => {
    if (raw.cmd === 'exit') process.exit(0);
    if (raw.cmd === 'cpu') {
      // Every worker answers this one: CPU time used so far, user + system, in microseconds.
      const { user, system } = process.cpuUsage();
      answer({ id: raw.id, ok: true, result: user + system });
      return;
    }
    handle(raw).then(
      (result) => answer({ id: raw.id, ok: true, result }),
      (error: unknown) =>
        answer({
          id: raw.id,
          ok: false,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        }),
    );
  });
  process.on('disconnect', () => process.exit(0));
  report({ event: 'ready' });
}

function answer(reply: WorkerReply): void {
  process.send?.(reply);
}

/** Full garbage collection when the worker runs with --expose-gc (the bench always forks it so). */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
}
