/**
 * Worker commands for events, RPC and locks (test/integration/messaging), run by
 * worker-main.ts for any command it does not know itself.
 */
import type { MemSync, MemSyncLock } from '../../src/index.js';

export type MessagingCommand =
  /** Lock `name`, read `n`, `$set n: n + 1` with a record of the holder, release; until n reaches `target`. */
  | { id: number; cmd: 'lockLoop'; name: string; target: number; holdMs?: number }
  /** Serve `name`: `echo` returns its args, `throw` throws a coded error, `hang` never answers (and says `serving`). */
  | { id: number; cmd: 'serve'; name: string; behavior: 'echo' | 'throw' | 'hang' }
  | { id: number; cmd: 'callRpc'; name: string; args: unknown; peer?: string; timeout?: number }
  | { id: number; cmd: 'listen'; name: string }
  | { id: number; cmd: 'heard' }
  | { id: number; cmd: 'emitMany'; name: string; count: number }
  /** Takes `name` and keeps it (until `dropLock`); `{ ok, token }` or `{ ok: false, code }` (e.g. after `timeout`). */
  | { id: number; cmd: 'tryLock'; name: string; timeout?: number }
  | { id: number; cmd: 'dropLock'; name: string };

const send = (message: unknown): void => {
  process.send?.(message);
};

const heard: unknown[] = [];
const kept = new Map<string, MemSyncLock>();

export async function runMessaging(mem: MemSync, command: MessagingCommand): Promise<unknown> {
  switch (command.cmd) {
    case 'lockLoop':
      return lockLoop(mem, command.name, command.target, command.holdMs ?? 0);
    case 'serve':
      mem.handle(command.name, (args) => {
        if (command.behavior === 'throw') throw Object.assign(new Error(`refused ${JSON.stringify(args)}`), { code: 'E_REFUSED' });
        if (command.behavior === 'hang') {
          send({ event: 'serving', name: command.name });
          return new Promise(() => {});
        }
        return { echo: args, by: mem.id };
      });
      return true;
    case 'callRpc': {
      const started = Date.now();
      try {
        const value = await mem.call(command.name, command.args as never, {
          ...(command.peer === undefined ? {} : { peer: command.peer }),
          ...(command.timeout === undefined ? {} : { timeout: command.timeout }),
        });
        return { ok: true, value, ms: Date.now() - started };
      } catch (error) {
        const e = error as { code?: string; message?: string; remoteCode?: string; name?: string };
        return { ok: false, code: e.code, message: e.message, remoteCode: e.remoteCode, name: e.name, ms: Date.now() - started };
      }
    }
    case 'listen':
      mem.events.on(command.name, (payload, meta) => heard.push([meta.from, payload]));
      return true;
    case 'heard':
      return heard.splice(0);
    case 'tryLock':
      try {
        const lock = await mem.lock(command.name, command.timeout === undefined ? {} : { timeout: command.timeout });
        kept.set(command.name, lock);
        lock.signal.addEventListener('abort', () => send({ event: 'lost', name: command.name }));
        return { ok: true, token: lock.token };
      } catch (error) {
        return { ok: false, code: (error as { code?: string }).code };
      }
    case 'dropLock':
      await kept.get(command.name)?.release();
      kept.delete(command.name);
      return true;
    case 'emitMany':
      for (let i = 0; i < command.count; i++) {
        mem.events.emit(command.name, i);
        // Let the loop turn now and then, as a real emitter would: sends leave per tick.
        if (i % 500 === 499) await new Promise((r) => setImmediate(r));
      }
      return command.count;
  }
}

async function lockLoop(mem: MemSync, name: string, target: number, holdMs: number): Promise<number> {
  let done = 0;
  for (;;) {
    const lock = await mem.lock(name, { timeout: 60_000 });
    send({ event: 'locked', token: lock.token });
    const n = (mem.get('n' as never) as number | undefined) ?? 0;
    if (n >= target) {
      await lock.release();
      send({ event: 'released', token: lock.token });
      return done;
    }
    // Some work under the lock: a holder is killed mid-section now and then.
    if (holdMs > 0) await new Promise((r) => setTimeout(r, holdMs));
    const result = await mem.patch({ $set: { n: n + 1 }, $push: { log: { peer: mem.id, token: lock.token, read: n } } } as never);
    if (!result.applied) send({ event: 'refused', reason: result.reason, read: n, token: lock.token });
    if (lock.lost) send({ event: 'lost', token: lock.token });
    done++;
    await lock.release();
    send({ event: 'released', token: lock.token });
  }
}
