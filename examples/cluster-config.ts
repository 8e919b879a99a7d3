/**
 * Configuration shared across `node:cluster` workers. The primary opens the mesh with the
 * defaults and becomes its host; each worker joins and observes `config.*`, logging every
 * change. The primary changes one setting, then a worker changes another: every worker
 * (and the primary) sees both, with who made them.
 *
 *   node --import tsx examples/cluster-config.ts
 *
 * Exits with 0 when every worker saw both changes, else 1.
 */
import cluster, { type Worker } from 'node:cluster';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemSync } from 'memsync';
import { exitWithParent, killIfRunning, stopChild, waitFor } from './lib/children.js';

const WORKERS = 3;
const MESH = 'cluster-config';

// An open record, so that `observe('config.*')` matches whichever keys exist.
type Shared = { config: Record<string, string | number | boolean> };
const DEFAULTS: Shared = { config: { logLevel: 'info', maxUploadMb: 10, maintenance: false } };

type Seen = { type: 'seen'; who: string; path: string; value: unknown; origin: string };
type FromWorker = { type: 'ready'; who: string; role: string; config: Shared['config'] } | Seen;
type ToWorker = { cmd: 'set'; path: string; value: string | number | boolean } | { cmd: 'stop' };

if (cluster.isPrimary) await primary();
else await worker();

async function worker(): Promise<void> {
  const who = `worker-${cluster.worker?.id}`;
  const send = (message: FromWorker): void => void process.send?.(message);
  exitWithParent();
  // A joiner takes the mesh's state: these empty defaults only matter if no mesh existed.
  const mem = new MemSync<Shared>(MESH, { config: {} }, { dir: process.env.MEMSYNC_DIR, id: who });
  process.on('message', async (message: ToWorker) => {
    if (message.cmd === 'set') {
      await mem.patch({ $set: { [message.path]: message.value } });
    } else if (message.cmd === 'stop') {
      await mem.stop();
      process.exit(0);
    }
  });
  const role = await mem.start();
  // Observing after start() skips the join itself (the empty defaults replaced by the
  // mesh's config); observers registered before it would see that as changes too.
  mem.observe('config.*', (value, change) => {
    const by = change.local ? 'itself' : change.origin;
    console.log(`  [${who}] ${change.path}: ${change.previous} -> ${value} (changed by ${by})`);
    send({ type: 'seen', who, path: change.path, value, origin: change.origin });
  });
  send({ type: 'ready', who, role, config: mem.data.config });
}

async function primary(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'memsync-cluster-'));
  const mem = new MemSync<Shared>(MESH, DEFAULTS, { dir, id: 'primary' });
  const inbox = new EventEmitter();
  const received: FromWorker[] = [];
  const workers: Worker[] = [];
  const failures: string[] = [];
  try {
    console.log(`primary (pid ${process.pid}) is ${await mem.start()} of the mesh '${MESH}'`);
    console.log(`  defaults: ${JSON.stringify(mem.data.config)}`);
    // The primary observes too, and files what it sees with what the workers report.
    mem.observe('config.*', (value, change) => {
      const by = change.local ? 'itself' : change.origin;
      console.log(`  [primary] ${change.path}: ${change.previous} -> ${value} (changed by ${by})`);
      const { path, origin } = change;
      received.push({ type: 'seen', who: 'primary', path, value, origin });
      inbox.emit('message');
    });

    // Workers run this same file; they need tsx to load it.
    cluster.setupPrimary({ execArgv: ['--import', 'tsx'] });
    for (let i = 0; i < WORKERS; i++) {
      const w = cluster.fork({ MEMSYNC_DIR: dir });
      w.on('message', (message: FromWorker) => {
        received.push(message);
        inbox.emit('message');
      });
      workers.push(w);
    }
    const everyReady = (): Extract<FromWorker, { type: 'ready' }>[] | undefined => {
      const r = received.filter((m) => m.type === 'ready');
      return r.length === WORKERS ? r : undefined;
    };
    const joining = { timeoutMs: 15_000, what: 'every worker to join' };
    const readies = await waitFor(inbox, 'message', everyReady, joining);
    console.log(`\n${WORKERS} cluster workers joined:`);
    for (const r of readies) {
      console.log(`  ${r.who} is ${r.role}; it reads config ${JSON.stringify(r.config)}`);
    }

    const everyone = WORKERS + 1;
    const sawEverywhere = (path: string, value: unknown): Promise<boolean> =>
      waitFor(
        inbox,
        'message',
        () => {
          const who = new Set(
            received
              .filter((m): m is Seen => m.type === 'seen' && m.path === path && m.value === value)
              .map((m) => m.who),
          );
          return who.size === everyone ? true : undefined;
        },
        { timeoutMs: 10_000, what: `every process to see ${path} = ${value}` },
      ).catch((error: unknown) => {
        console.log(`  ${String(error)}`);
        return false;
      });

    console.log(`\nthe primary sets config.logLevel = 'debug'`);
    const [firstResult, firstSeen] = await Promise.all([
      mem.patch({ $set: { 'config.logLevel': 'debug' } }),
      sawEverywhere('config.logLevel', 'debug'),
    ]);

    const writer = workers[0];
    const writerName = `worker-${writer?.id}`;
    console.log(`\n${writerName} sets config.maintenance = true`);
    writer?.send({ cmd: 'set', path: 'config.maintenance', value: true } satisfies ToWorker);
    const secondSeen = await sawEverywhere('config.maintenance', true);

    const check = (ok: boolean, what: string): void => {
      console.log(`  ${ok ? 'yes' : 'NO '}  ${what}`);
      if (!ok) failures.push(what);
    };
    console.log('\nchecks:');
    check(readies.every((r) => r.role === 'client'), 'the primary hosts, every worker is a client');
    check(
      readies.every((r) => JSON.stringify(r.config) === JSON.stringify(DEFAULTS.config)),
      "every worker reads the primary's defaults (its own empty ones are ignored)",
    );
    check(firstResult.applied && firstSeen, 'every worker saw the primary change logLevel');
    check(secondSeen, `every worker and the primary saw ${writerName} set maintenance`);
    const sightings = received.filter(
      (m): m is Seen => m.type === 'seen' && m.path === 'config.maintenance',
    );
    check(
      sightings.length === everyone && sightings.every((m) => m.origin === writerName),
      `each process saw that change exactly once, made by ${writerName}`,
    );

    const stop: ToWorker = { cmd: 'stop' };
    await Promise.all(workers.map((w) => stopChild(w.process, stop, 5_000)));
  } finally {
    for (const w of workers) killIfRunning(w.process);
    await mem.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  if (failures.length > 0) {
    console.log(`\nFAILED: ${failures.join('; ')}`);
    process.exitCode = 1;
  } else {
    console.log('\none setting changed anywhere reaches every worker of the cluster');
  }
}
