/**
 * A test worker: one MemSync in its own process, driven by its parent over the process's
 * IPC channel (not the product's transport). Bundled by global-setup.ts so it starts fast.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { MemSync, type MemSyncOptions, type Update } from '../../src/index.js';
import { type MessagingCommand, runMessaging } from './messaging-commands.js';
import { redisBackplane } from '../../src/backplane/redis/index.js';
import type { RedisOptions } from 'ioredis';

type Command =
  | {
      id: number;
      cmd: 'start';
      name: string;
      defaults?: Record<string, unknown>;
      /**
       * `redis`: the Unix socket of a Redis server to use as the backplane, or ioredis options
       * (IPC cannot carry a backplane itself).
       */
      options?: MemSyncOptions & { redis?: string | RedisOptions; redisSnapshotEvery?: number };
    }
  | { id: number; cmd: 'patch'; update: Update; if?: Record<string, unknown>; timeout?: number }
  | {
      id: number;
      cmd: 'patchMany';
      update: Update;
      count: number;
      window: number;
      if?: Record<string, unknown>;
    }
  | { id: number; cmd: 'get'; path?: string }
  | { id: number; cmd: 'status' }
  | { id: number; cmd: 'observe'; path: string }
  | { id: number; cmd: 'digest' }
  | { id: number; cmd: 'pollution' }
  | { id: number; cmd: 'mutateReads' }
  | {
      id: number;
      cmd: 'fill';
      path: string;
      patches: number;
      keysPerPatch: number;
      valueBytes: number;
    }
  | { id: number; cmd: 'patchThenDie'; update: Update; file: string }
  /** A patch every `everyMs`, none awaited (a timer-driven writer), until `stopWriting`. */
  | { id: number; cmd: 'writeEvery'; update: Update; everyMs: number }
  | { id: number; cmd: 'stopWriting' }
  /** Writes `$inc: { <prefix><k>: 1 }` for k = 0, 1, ... with `window` in flight; an `acked` event per result. */
  | { id: number; cmd: 'incKeys'; prefix: string; window: number; count: number }
  | { id: number; cmd: 'flush' }
  /** Spins for `ms` without yielding, then (optionally) patches: a host busy in user code. */
  | { id: number; cmd: 'busy'; ms: number; update?: Update }
  | { id: number; cmd: 'stop' }
  | { id: number; cmd: 'startWriting'; name: string; defaults: Record<string, unknown>; options?: MemSyncOptions; update: Update; count: number }
  | MessagingCommand;

let mem: MemSync | undefined;
let writer:
  | {
      issued: number;
      applied: number;
      refused: number;
      failed: string[];
      settled: number;
      /** Longest time from patch() to its result, in ms. */
      maxMs: number;
      timer: NodeJS.Timeout | undefined;
    }
  | undefined;
// Taken before any peer could send us anything: what the prototypes hold untouched.
const pristineObjectKeys = new Set(Reflect.ownKeys(Object.prototype));
const pristineArrayKeys = new Set(Reflect.ownKeys(Array.prototype));
const send = (message: unknown): void => {
  process.send?.(message);
};

async function run(command: Command): Promise<unknown> {
  switch (command.cmd) {
    case 'start': {
      const { redis, redisSnapshotEvery, ...options } = command.options ?? {};
      if (redis !== undefined) {
        options.backplane = redisBackplane(typeof redis === 'string' ? { path: redis } : redis, redisSnapshotEvery === undefined ? {} : { snapshotEvery: redisSnapshotEvery });
      }
      mem = new MemSync(command.name, command.defaults as never, options);
      mem.on('role', (e) => send({ event: 'role', role: e.role, previous: e.previous }));
      mem.on('error', (e) => send({ event: 'error', code: e.code, message: e.message }));
      return mem.start();
    }
    case 'startWriting': {
      // Patches issued between start() and its end: they wait in the outbox through the join
      // (or, for a host, the whole gather) and go out once there is somewhere to send them.
      mem = new MemSync(command.name, command.defaults as never, command.options ?? {});
      mem.on('error', (e) => send({ event: 'error', code: e.code, message: e.message }));
      const started = mem.start();
      const m = mem;
      const outcomes = await Promise.allSettled(Array.from({ length: command.count }, () => m.patch(command.update)));
      await started;
      const failed = outcomes.flatMap((o) => (o.status === 'rejected' ? [String((o.reason as Error).message)] : []));
      const results = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
      return { applied: results.filter((r) => r.applied).length, refused: results.filter((r) => !r.applied).length, failed };
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
      const reasons: Record<string, number> = {};
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < command.count) {
          next++;
          const result = await m.patch(
            command.update,
            command.if ? { if: command.if as never } : {},
          );
          if (result.applied) applied++;
          else {
            refused++;
            const reason = result.reason ?? 'none';
            reasons[reason] = (reasons[reason] ?? 0) + 1;
          }
        }
      };
      await Promise.all(Array.from({ length: command.window }, lane));
      return { applied, refused, reasons };
    }
    case 'get':
      return need().get(command.path as never);
    case 'status':
      return need().status();
    case 'observe':
      need().observe(command.path as never, (value, change) =>
        send({
          event: 'observed',
          path: change.path,
          value,
          version: change.version,
          local: change.local,
        }),
      );
      return true;
    case 'digest': {
      // Compare multi-megabyte replicas without shipping them to the test process.
      const m = need();
      const json = JSON.stringify(m.data);
      return {
        sha256: createHash('sha256').update(json).digest('hex'),
        bytes: json.length,
        version: m.version,
      };
    }
    case 'pollution':
      return pollution();
    case 'mutateReads':
      return mutateReads();
    case 'fill':
      return fill(command);
    case 'patchThenDie': {
      // The moment `patch()` says it is done, the process dies: nothing queued in it leaves.
      // The result is written synchronously first, so the test knows what was acknowledged.
      const result = await need().patch(command.update);
      writeFileSync(command.file, JSON.stringify(result));
      process.kill(process.pid, 'SIGKILL');
      return result;
    }
    case 'writeEvery': {
      const m = need();
      writer = { issued: 0, applied: 0, refused: 0, failed: [], settled: 0, maxMs: 0, timer: undefined };
      const w = writer;
      w.timer = setInterval(() => {
        w.issued++;
        const started = performance.now();
        m.patch(command.update).then(
          (r) => {
            w.maxMs = Math.max(w.maxMs, performance.now() - started);
            w.settled++;
            if (r.applied) w.applied++;
            else w.refused++;
          },
          (e: { code?: string }) => {
            w.settled++;
            w.failed.push(e.code ?? 'error');
          },
        );
      }, command.everyMs);
      return true;
    }
    case 'stopWriting': {
      const w = writer;
      if (!w) throw new Error('not writing');
      clearInterval(w.timer);
      const end = Date.now() + 60_000;
      while (w.settled < w.issued && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      return { issued: w.issued, applied: w.applied, refused: w.refused, failed: w.failed, maxMs: w.maxMs };
    }
    case 'busy': {
      // The process runs but does nothing else: a long synchronous task in the host, say.
      const end = performance.now() + command.ms;
      while (performance.now() < end) {
        // spin
      }
      if (command.update === undefined) return true;
      return need().patch(command.update);
    }
    case 'incKeys': {
      const m = need();
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < command.count) {
          const key = `${command.prefix}${next++}`;
          await m.patch({ $inc: { [key]: 1 } });
          send({ event: 'acked', key });
        }
      };
      await Promise.all(Array.from({ length: command.window }, lane));
      return next;
    }
    case 'flush':
      await need().flush();
      return true;
    case 'stop':
      await mem?.stop();
      return true;
    default:
      return runMessaging(need(), command);
  }
}

/**
 * Ordinary user code writing into what it read: `mem.data`, `get()`, an observer's value and
 * a change event's data. Each attempt's outcome, as `threw: <error name>` or `changed`.
 * This module is ESM, so strict mode: a write to a frozen object throws.
 */
async function mutateReads(): Promise<Record<string, string>> {
  const m = need();
  let observed: unknown;
  const stop = m.observe('config' as never, (value) => {
    observed = value;
  });
  const event = new Promise<unknown>((resolve) => m.once('change', (e) => resolve(e.data)));
  await m.patch({ $inc: { touched: 1 } });
  stop();
  const eventData = (await event) as { config: { mode: string } };
  const attempts: Record<string, () => void> = {
    dataField: () => {
      (m.data as { config: { mode: string } }).config.mode = 'data';
    },
    dataTopLevel: () => {
      (m.data as Record<string, unknown>).injected = true;
    },
    dataDelete: () => {
      delete (m.data as { config?: unknown }).config;
    },
    dataArrayPush: () => {
      (m.data as { list: number[] }).list.push(99);
    },
    getValue: () => {
      (m.get('config' as never) as { mode: string }).mode = 'get';
    },
    observerValue: () => {
      (observed as { mode: string }).mode = 'observer';
    },
    changeEvent: () => {
      eventData.config.mode = 'event';
    },
  };
  const outcome: Record<string, string> = {};
  for (const [name, attempt] of Object.entries(attempts)) {
    try {
      attempt();
      outcome[name] = 'changed';
    } catch (error) {
      outcome[name] = `threw: ${(error as Error).name}`;
    }
  }
  return outcome;
}

/**
 * Writes `patches` patches of `keysPerPatch` generated strings of `valueBytes` each under
 * `path`, one patch at a time; the content depends only on the arguments.
 */
async function fill(command: Extract<Command, { cmd: 'fill' }>): Promise<unknown[]> {
  const m = need();
  const results: unknown[] = [];
  for (let p = 0; p < command.patches; p++) {
    const set: Record<string, string> = {};
    for (let k = 0; k < command.keysPerPatch; k++) {
      const seed = createHash('sha256').update(`${p}/${k}`).digest('hex');
      set[`${command.path}.k${p}_${k}`] = seed
        .repeat(Math.ceil(command.valueBytes / seed.length))
        .slice(0, command.valueBytes);
    }
    results.push(await m.patch({ $set: set }));
  }
  return results;
}

/**
 * What hostile input may have added to the shared prototypes: `polluted` (the name attack
 * payloads use) and any own key of Object.prototype or Array.prototype not there at startup.
 */
function pollution(): { polluted: boolean; addedKeys: string[] } {
  const added = [
    ...Reflect.ownKeys(Object.prototype).filter((k) => !pristineObjectKeys.has(k)),
    ...Reflect.ownKeys(Array.prototype).filter((k) => !pristineArrayKeys.has(k)),
  ];
  return {
    polluted: (Object.prototype as Record<string, unknown>).polluted !== undefined,
    addedKeys: added.map(String),
  };
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
        error: {
          code: (error as { code?: string }).code,
          message: String((error as Error).message ?? error),
        },
      }),
  );
});
process.on('disconnect', () => {
  // The parent is gone: leave at once, never linger as a stray.
  void (mem?.stop() ?? Promise.resolve()).finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});
send({ event: 'ready', node: process.version });
