/**
 * The fan-out flow (bench/scenarios/fanout.ts) at one mesh size, memsync only, with each
 * process's CPU per patch split into user and system time (from /proc/<pid>/stat), for A/B
 * runs of the host's and the readers' costs. The bench's own `.cpu` rows add both up; the
 * split says how much of a figure is the kernel's (socket writes, reads, wake-ups).
 *
 *   node --import tsx bench/fanout-cpu.ts [processes=16] [flows=5] [patches=20000]
 *
 * Prints each measured flow, then the medians: on-CPU us per patch of every thread (from
 * /proc/<pid>/task/N/schedstat, precise), with the user+system split (clock ticks, coarse);
 * `mesh` adds every process up. `PIDS=1` also prints the host's pid and pauses 3 s before
 * the measured flows (to attach `strace -c -p` or `perf record -p`). `PROFILE=DIR` writes every
 * process's CPU profile there (bench/profile-summary.ts reads them).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { bundleWorkers } from './lib/bundle.js';
import { cleanUpEverything, type Child } from './lib/child.js';
import { median } from './lib/stats.js';
import { withFlowMesh } from './scenarios/mesh-flow.js';

const processes = Number(process.argv[2] ?? 16);
const flows = Number(process.argv[3] ?? 5);
const patches = Number(process.argv[4] ?? 20_000);
const WINDOW = Number(process.env.WINDOW ?? 256);
/** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on Linux). */
const TICKS = 100;

interface Times {
  user: number;
  system: number;
  /** On-CPU time of all its threads (schedstat, ns precision), in microseconds. */
  cpu: number;
  /** Write and read syscalls, bytes written, and context switches (voluntary, forced). */
  writes: number;
  reads: number;
  written: number;
  switches: number;
  forced: number;
}

/** User and system CPU of a process so far, in microseconds. */
function times(pid: number): Times {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const io = counters(readFileSync(`/proc/${pid}/io`, 'latin1'), ': ');
  const status = counters(readFileSync(`/proc/${pid}/status`, 'latin1'), ':\t');
  let cpu = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      cpu += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'latin1').split(' ')[0]) / 1000;
    } catch {
      // a thread that ended meanwhile
    }
  }
  return {
    cpu,
    user: (Number(fields[11]) * 1e6) / TICKS,
    system: (Number(fields[12]) * 1e6) / TICKS,
    writes: io.get('syscw')!,
    reads: io.get('syscr')!,
    written: io.get('wchar')!,
    switches: status.get('voluntary_ctxt_switches')!,
    forced: status.get('nonvoluntary_ctxt_switches')!,
  };
}

function counters(text: string, separator: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const at = line.indexOf(separator);
    if (at > 0) out.set(line.slice(0, at), Number(line.slice(at + separator.length)));
  }
  return out;
}

const KEYS = ['cpu', 'user', 'system', 'writes', 'reads', 'written', 'switches', 'forced'] as const;

function perPatch(after: Times, before: Times): Times {
  const out = {} as Times;
  for (const key of KEYS) out[key] = (after[key] - before[key]) / patches;
  return out;
}

function medianTimes(all: readonly Times[]): Times {
  const out = {} as Times;
  for (const key of KEYS) out[key] = median(all.map((t) => t[key]));
  return out;
}

interface Row {
  host: Times;
  writer: Times;
  reader: Times;
  /** Every process's on-CPU time per patch, added up. */
  mesh: number;
  rate: number;
}

const workers = await bundleWorkers();
const context = { quick: true, runs: flows, redis: false, workers, spawn: { profileDir: process.env.PROFILE }, log: (m: string) => console.error(m) };
const rows: Row[] = [];
try {
  await withFlowMesh(context, 'memsync', async (mesh) => {
    await mesh.grow(processes);
    const roles = (mesh as unknown as { host: Child; writer: Child; readers: Child[] });
    const pid = (c: Child): number => c.process.pid!;
    await mesh.warmUp(0.5, WINDOW, 4);
    if (process.env.PIDS) {
      console.log(`host pid ${pid(roles.host)} readers ${roles.readers.map(pid).join(' ')}`);
      await new Promise((r) => setTimeout(r, 3000));
    }
    for (let flow = 0; flow < flows; flow++) {
      const all = [roles.host, roles.writer, ...roles.readers];
      const before = all.map((c) => times(pid(c)));
      const result = await mesh.measure(patches, WINDOW);
      const after = all.map((c) => times(pid(c)));
      const per = (i: number): Times => perPatch(after[i]!, before[i]!);
      const readers = roles.readers.map((_, i) => per(i + 2));
      const row = {
        host: per(0),
        writer: per(1),
        reader: medianTimes(readers),
        mesh: [per(0), per(1), ...readers].reduce((sum, t) => sum + t.cpu, 0),
        rate: Math.min(result.host ?? Infinity, ...result.clients),
      };
      rows.push(row);
      console.log(format(row));
    }
  });
} finally {
  cleanUpEverything();
}
console.log(
  `median: ${format({
    host: medianTimes(rows.map((r) => r.host)),
    writer: medianTimes(rows.map((r) => r.writer)),
    reader: medianTimes(rows.map((r) => r.reader)),
    mesh: median(rows.map((r) => r.mesh)),
    rate: median(rows.map((r) => r.rate)),
  })}`,
);

function format(r: Row): string {
  const t = (x: Times): string =>
    `${x.cpu.toFixed(3)} (${x.user.toFixed(2)}u+${x.system.toFixed(2)}s) [1/patch: w ${x.writes.toFixed(3)} r ${x.reads.toFixed(3)} ` +
    `B ${x.written.toFixed(0)} cs ${x.switches.toFixed(3)}+${x.forced.toFixed(3)}]`;
  return `${processes} proc ${r.rate.toFixed(0)}/s, mesh ${r.mesh.toFixed(2)} us/patch\n  host   ${t(r.host)}\n  writer ${t(r.writer)}\n  reader ${t(r.reader)} (median)`;
}
