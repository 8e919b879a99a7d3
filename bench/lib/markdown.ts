/** BENCHMARKS.md, written whole from one run's report by `npm run bench -- --write`. */
import { formatNumber, ratioOf } from './figures.js';
import { type BenchReport, figureRows, goals, HEADER } from './report.js';

const cell = (text: string): string => text.replace(/\|/g, '\\|');
const row = (cells: string[]): string => `| ${cells.map(cell).join(' | ')} |`;

const METHOD = `## Method

- Every process is a real Node process forked from a worker bundled with esbuild (as a
  published build would run), talking over a Unix socket in a fresh temporary directory per
  mesh. The bench drives workers over Node's process IPC channel; each worker takes its own
  timings, so that channel is never inside a measured interval.
- **Baseline**: a bare \`node:net\` relay (bench/relay/) with the same processes, the same
  hops, the same framing (4-byte length + JSON), the same message shapes (\`submit\` in,
  \`entries\` out) and the same per-tick batching, and nothing else: no validation, no
  document, no observers. Ratios are memsync's median over the relay's median.
- **Throughput and fan-out**: one \`clientOnly\` writer keeps 256 \`$inc\` patches in flight,
  each \`patch()\` awaited; each reader observes the counter and times from the first change
  it sees to the last. The host is one of the N processes and reads too; the figure is the
  slowest reader. Each system's mesh is started once and grown 2 -> 4 -> 8 -> 16; at each
  size, warm-up flows run until two agree within 25%, and the last one sizes the measured
  flows to about the same duration for memsync and the relay.
- **Round trip**: A sets \`ping\`, B observes it and sets \`pong\`, A observes \`pong\`
  (A and B are clientOnly, the host is a third process).
- **Redis** (the rows marked Redis; \`--no-redis\` leaves them out): the bench starts its own
  \`redis-server\` (Debian's package) in a temporary directory, on a Unix socket only, with no
  persistence (\`--save ''\`, \`--appendonly no\`), and drives it with ioredis from worker
  processes of their own. The document is one hash; a write is one atomic Lua script
  (\`HINCRBY\` or \`HSET\`, then \`PUBLISH\` of the field and its new value on the document's
  channel), acknowledged by its reply; a reader is a subscriber. Throughput and fan-out use
  ioredis's auto-pipelining (the commands of one tick in one write, as memsync and the relay
  batch theirs); round trip and mixed send one command at a time without it. Fan-out with N
  processes is one writer and N-1 subscribers, plus redis-server. The CPU of redis-server is
  read from /proc. Within a scenario the measured runs alternate between the systems, so a
  drift in the machine's load falls on all of them alike.
- **Mixed**: P processes (2, 4, 8), each a loop of one operation at a time, each awaited:
  95 % reads of a random key of a 10,000-key document, 5 % \`$inc\` (Redis: \`HGET\` and
  \`HINCRBY\`), for a fixed time, all processes at once; ops/s summed over the processes, the
  read p50 the median of the processes' (every 16th read timed). memsync's processes are
  ordinary (electable) members, the first one the host.
- **Cold start**: a fresh process forked from a one-shot program, from the fork to the first
  value it has read of the same 10,000-key document (memsync: \`start()\` joins, then a
  property read; Redis: connect and \`HGET\`), against a Node process that loads nothing.
- **Failover**: five electable processes and one clientOnly writer issuing an \`$inc\` about
  every millisecond without waiting. The host is SIGKILLed; then the killed process is
  replaced and the mesh settles before the next kill. Times are wall-clock differences
  between processes (same machine clock).
- **Join**: a host builds the document from 256 KB patches of records; a new process
  measures \`start()\` until it resolves (synced).
- **Memory**: heap after a full GC and RSS, with the document minus without it, per byte of
  the document's JSON. The flood pushes $inc patches through a host with the default
  \`logSize\` (10,000) and samples its RSS every 250 ms.
- **Apply and validation**: in a fresh process per run; the first tenth of each workload is
  not timed.
- **Profiles**: \`npm run bench -- --only=throughput --profile=/tmp/prof\` runs every worker
  with \`--cpu-prof\`; \`node --import tsx bench/profile-summary.ts /tmp/prof\` prints each
  role's busy time by layer and its hottest functions, named by source file.
`;

/**
 * The whole file. `handSections` (the marked block of the file this replaces, see
 * hand-sections.ts) goes after the Goals table, unchanged.
 */
export function benchmarksMarkdown(
  report: BenchReport,
  chartPath: string | undefined,
  handSections?: string,
): string {
  const out: string[] = [
    '# Benchmarks',
    '',
    `_Written by \`${report.command}\` on ${report.date}. Do not edit by hand: run \`npm run bench -- --write\` again._`,
    '',
    '`npm run bench` runs every scenario (a few minutes), `npm run bench -- --quick` a short version ' +
      '(under a minute), `npm run -s bench -- --json` prints JSON only, `--only=id,...` picks scenarios.',
    '',
    row(['', '']),
    row(['---', '---']),
    row([
      'machine',
      `${report.machine.cpu}, ${report.machine.cores} cores, ${report.machine.memoryGiB} GiB`,
    ]),
    row(['system', report.machine.os]),
    row(['Node', report.machine.node]),
    row(['command', `\`${report.command}\``]),
    row(['code', report.source]),
    row(['load average', `${report.load.before.toFixed(1)} before the run, ${report.load.after.toFixed(1)} after (1 min)`]),
    row([
      'runs',
      `${report.runs} per figure (${report.mode}); each figure is the median, min-max in parentheses`,
    ]),
    '',
    '## Goals',
    '',
    row(['figure', 'now', 'goal', 'status']),
    row(['---', '---', '---', '---']),
  ];
  for (const { figure } of goals(report)) {
    const ratio = ratioOf(figure);
    const now = `${formatNumber(figure.value.median)} ${figure.unit}${ratio === undefined ? '' : ` (${ratio.toFixed(2)}x ${figure.baselineName ?? 'relay'})`}`;
    out.push(
      row([
        `${figure.id}: ${figure.label}`,
        now,
        figure.goal!.text,
        figure.goal!.met ? 'met' : '**missed**',
      ]),
    );
  }
  if (handSections !== undefined) out.push('', handSections);
  if (chartPath)
    out.push('', '## Throughput vs processes', '', `![throughput vs processes](${chartPath})`);
  for (const s of report.scenarios) {
    out.push(
      '',
      `## ${s.title}`,
      '',
      `\`${s.reproduce}\``,
      '',
      row(HEADER),
      row(HEADER.map(() => '---')),
    );
    for (const figure of s.result.figures) out.push(row(figureRows(figure)));
    for (const line of s.result.details ?? []) out.push('', line);
    out.push('', `**What bounds it.** ${s.result.reading}`);
  }
  out.push('', METHOD);
  return `${out.join('\n').trimEnd()}\n`;
}
