/**
 * One process of the chaos run: a MemSync replica that writes `$inc` on its own counter
 * (`c.<id>`) with a few patches in flight, and tells its parent, every few milliseconds,
 * how many it issued and how many were acknowledged. SIGKILL may end it at any moment: the
 * parent only counts what it was told. On `final` it reports its state for comparison.
 * Usage (forked): chaos-worker.mjs <mesh> <dir> <id> <clientOnly 0|1> <write 0|1> <docBytes>
 */
import { createHash } from 'node:crypto';
import diagnosticsChannel from 'node:diagnostics_channel';
import { MemSync } from '../../src/index.js';
import { MemberState } from './chaos-cover.js';

const [mesh, dir, id, clientOnlyFlag, writeFlag, docBytesText] = process.argv.slice(2) as [string, string, string, string, string, string];
const IN_FLIGHT = 8;
/** Short, so that the run's SIGSTOPs (up to 1.5 s) outlast it and depose frozen hosts. */
const CHAOS_HOST_TIMEOUT_MS = 500;
const send = (message: unknown): void => {
  if (process.connected) process.send?.(message);
};

const blob = 'x'.repeat(Number(docBytesText));
/** With CHAOS_DEBUG, every diagnostics line goes to the parent's log: a failure tells its story. */
const forward = (fields: Record<string, unknown>, message: string): void => send({ t: 'log', event: fields.event, message });
const logger = process.env.CHAOS_DEBUG ? { debug: () => {}, info: forward, warn: forward, error: forward } : undefined;
const mem = new MemSync<{ c: Record<string, number>; p: Record<string, number>; blob: string }>(
  mesh,
  { c: {}, p: {}, blob },
  { id, dir, clientOnly: clientOnlyFlag === '1', gatherMs: 100, patchTimeout: 60_000, timeout: 60_000, hostTimeout: CHAOS_HOST_TIMEOUT_MS, ...(logger ? { logger } : {}) },
);
mem.on('error', (e) => send({ t: 'error', code: e.code, message: e.message }));
/** Whether a next host waits for this replica (chaos-cover.ts): the parent's kill rule needs it. */
const member = new MemberState();
mem.on('role', (e) => {
  member.roleChanged(e.role, e.previous);
  send({ t: 'role', role: e.role });
});

let issued = 0;
let acked = 0;
/** The highest version among our acknowledged writes: the parent's kill rule needs it. */
let ackedVersion = 0;
let writing = writeFlag === '1';
let reported = '';

/**
 * With CHAOS_DEBUG, a ledger for explaining a loss: the versions of our acknowledged writes
 * (sent with each report, so the parent has them after a SIGKILL), and what this replica
 * applied at each version (asked for at the end): whether a survivor holds another write at a
 * lost write's version, refused it, or never saw that version.
 */
const debugging = process.env.CHAOS_DEBUG !== undefined;
let ackedVersions: number[] = [];
const ledger = new Map<number, string>();
if (debugging) {
  const record = (applied: boolean) => (raw: unknown): void => {
    const m = raw as { peer: string; writer: string; version: number; reason?: string };
    if (m.peer === id) ledger.set(m.version, `${m.writer}${applied ? '' : `:${m.reason ?? 'refused'}`}`);
  };
  diagnosticsChannel.subscribe('memsync:patch:applied', record(true));
  diagnosticsChannel.subscribe('memsync:patch:refused', record(false));
}

function writeOne(): void {
  if (!writing) return;
  issued++;
  // Per id (what the run checks) and per process (which life of an id lost writes, in a failure).
  mem.patch({ $inc: { [`c.${id}`]: 1, [`p.${process.pid}`]: 1 } }).then(
    (result) => {
      if (result.applied) {
        acked++;
        member.acked();
        ackedVersion = Math.max(ackedVersion, result.version);
        if (debugging) ackedVersions.push(result.version);
      }
      writeOne();
    },
    () => setTimeout(writeOne, 5),
  );
}

// Counts and versions read together: every write counted as acknowledged is at or below the
// ackedVersion sent with it, and this replica holds every version up to the version sent.
const report = setInterval(() => {
  const version = mem.version;
  const key = `${acked}/${version}/${member.current}`;
  if (key === reported) return;
  reported = key;
  send({ t: 'count', id, issued, acked, ackedVersion, version, member: member.current, ...(debugging ? { ackedVersions } : {}) });
  ackedVersions = [];
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
      lives: data.p,
      digest: createHash('sha256').update(JSON.stringify(data)).digest('hex'),
    });
  } else if (message.t === 'ledger') {
    const versions = (raw as { versions: number[] }).versions;
    send({ t: 'ledger', id, at: versions.map((v) => ledger.get(v) ?? null) });
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
