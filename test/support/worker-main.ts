/**
 * A test worker: one MemSync in its own process, driven by its parent over the process's
 * IPC channel (not the product's transport). Bundled by global-setup.ts so it starts fast.
 */
import { MemSync, type MemSyncOptions, type Update } from '../../src/index.js';

type Command =
  | { id: number; cmd: 'start'; name: string; defaults?: Record<string, unknown>; options?: MemSyncOptions }
  | { id: number; cmd: 'patch'; update: Update; if?: Record<string, unknown>; timeout?: number }
  | { id: number; cmd: 'patchMany'; update: Update; count: number; window: number; if?: Record<string, unknown> }
  | { id: number; cmd: 'get'; path?: string }
  | { id: number; cmd: 'status' }
  | { id: number; cmd: 'observe'; path: string }
  | { id: number; cmd: 'stop' };

let mem: MemSync | undefined;
const send = (message: unknown): void => {
  process.send?.(message);
};

async function run(command: Command): Promise<unknown> {
  switch (command.cmd) {
    case 'start': {
      mem = new MemSync(command.name, command.defaults as never, command.options);
      mem.on('role', (e) => send({ event: 'role', role: e.role, previous: e.previous }));
      mem.on('error', (e) => send({ event: 'error', code: e.code, message: e.message }));
      return mem.start();
    }
    case 'patch':
      return need().patch(command.update, {
        ...(command.if ? { if: command.if as never } : {}),
        ...(command.timeout ? { timeout: command.timeout } : {}),
      });
    case 'patchMany': {
      const m = need();
      let applied = 0;
      let refused = 0;
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < command.count) {
          next++;
          const result = await m.patch(command.update, command.if ? { if: command.if as never } : {});
          if (result.applied) applied++;
          else refused++;
        }
      };
      await Promise.all(Array.from({ length: command.window }, lane));
      return { applied, refused };
    }
    case 'get':
      return need().get(command.path as never);
    case 'status':
      return need().status();
    case 'observe':
      need().observe(command.path as never, (value, change) =>
        send({ event: 'observed', path: change.path, value, version: change.version, local: change.local }),
      );
      return true;
    case 'stop':
      await mem?.stop();
      return true;
  }
}

function need(): MemSync {
  if (!mem) throw new Error('not started');
  return mem;
}

process.on('message', (command: Command) => {
  run(command).then(
    (result) => send({ id: command.id, ok: true, result }),
    (error: unknown) =>
      send({
        id: command.id,
        ok: false,
        error: { code: (error as { code?: string }).code, message: String((error as Error).message ?? error) },
      }),
  );
});
process.on('disconnect', () => {
  // The parent is gone: leave at once, never linger as a stray.
  void (mem?.stop() ?? Promise.resolve()).finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});
send({ event: 'ready' });
