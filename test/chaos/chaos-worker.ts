/**
 * One process of the chaos run: a MemSync replica that writes `$inc` on its own counter
 * (`c.<id>`) with a few patches in flight, and tells its parent, every few milliseconds,
 * how many it issued and how many were acknowledged. SIGKILL may end it at any moment: the
 * parent only counts what it was told. On `final` it reports its state for comparison.
 * Usage (forked): chaos-worker.mjs <mesh> <dir> <id> <clientOnly 0|1> <write 0|1> <docBytes>
 */
import { createHash } from 'node:crypto';
import { MemSync } from '../../src/index.js';

const [mesh, dir, id, clientOnlyFlag, writeFlag, docBytesText] = process.argv.slice(2) as [string, string, string, string, string, string];
const IN_FLIGHT = 8;
/** Short, so that the run's SIGSTOPs (up to 1.5 s) outlast it and depose frozen hosts. */
const CHAOS_HOST_TIMEOUT_MS = 500;
const send = (message: unknown): void => {
  process.send?.(message);
};

const blob = 'x'.repeat(Number(docBytesText));
const mem = new MemSync<{ c: Record<string, number>; blob: string }>(
  mesh,
  { c: {}, blob },
  { id, dir, clientOnly: clientOnlyFlag === '1', gatherMs: 100, patchTimeout: 60_000, timeout: 60_000, hostTimeout: CHAOS_HOST_TIMEOUT_MS },
);
mem.on('error', (e) => send({ t: 'error', code: e.code, message: e.message }));
mem.on('role', (e) => send({ t: 'role', role: e.role }));

let issued = 0;
let acked = 0;
let writing = writeFlag === '1';
let reported = -1;

function writeOne(): void {
  if (!writing) return;
  issued++;
  mem.patch({ $inc: { [`c.${id}`]: 1 } }).then(
    (result) => {
      if (result.applied) acked++;
      writeOne();
    },
    () => setTimeout(writeOne, 5),
  );
}

const report = setInterval(() => {
  if (acked === reported) return;
  reported = acked;
  send({ t: 'count', id, issued, acked });
}, 5);

process.on('message', (raw) => {
  const message = raw as { t: string };
  if (message.t === 'quiet') {
    writing = false;
    send({ t: 'quiet', id });
  } else if (message.t === 'final') {
    const data = mem.data;
    send({
      t: 'final',
      id,
      issued,
      acked,
      role: mem.role,
      version: mem.version,
      counters: data.c,
      digest: createHash('sha256').update(JSON.stringify(data)).digest('hex'),
    });
  } else if (message.t === 'exit') {
    clearInterval(report);
    void mem.stop().then(() => process.exit(0));
  }
});

mem.start().then(
  (role) => {
    send({ t: 'ready', id, role });
    for (let i = 0; i < IN_FLIGHT; i++) writeOne();
  },
  (error: Error) => send({ t: 'error', code: 'START', message: error.message }),
);
