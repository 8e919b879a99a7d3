/**
 * `npm run bench`: every scenario through the public API with real processes, each figure
 * the median of several runs with its spread, next to a bare-socket relay doing the same
 * hops. `--quick` for a short run, `--json` for machines, `--write` for BENCHMARKS.md.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from './lib/args.js';
import { bundleWorkers } from './lib/bundle.js';
import { cleanUpEverything } from './lib/child.js';
import { describeMachine, describeSource } from './lib/machine.js';
import { benchmarksMarkdown } from './lib/markdown.js';
import { handSectionsOf } from './lib/hand-sections.js';
import { type BenchReport, formatText } from './lib/report.js';
import { throughputChart } from './lib/svg-chart.js';
import { findRedisServer, stopEveryRedisServer } from './redis/server.js';
import { apply } from './scenarios/apply.js';
import { coldStart } from './scenarios/cold-start.js';
import { failover } from './scenarios/failover.js';
import { frozenHost } from './scenarios/frozen-host.js';
import { fanout } from './scenarios/fanout.js';
import { importCost } from './scenarios/import-cost.js';
import { join as joinScenario } from './scenarios/join.js';
import { machines } from './scenarios/machines.js';
import { memory } from './scenarios/memory.js';
import { messaging } from './scenarios/messaging.js';
import { mixed } from './scenarios/mixed.js';
import { ownWrites } from './scenarios/own-writes.js';
import { reader } from './scenarios/reader.js';
import { roundTrip } from './scenarios/round-trip.js';
import { storage } from './scenarios/storage.js';
import { throughput } from './scenarios/throughput.js';
import type { Scenario, ScenarioContext } from './scenarios/types.js';
import { validation } from './scenarios/validation.js';

const SCENARIOS: Scenario[] = [
  throughput,
  fanout,
  reader,
  roundTrip,
  ownWrites,
  mixed,
  coldStart,
  failover,
  frozenHost,
  joinScenario,
  memory,
  apply,
  validation,
  importCost,
  storage,
  messaging,
  machines,
];
const ROOT = join(import.meta.dirname, '..');
const CHART = 'bench/throughput.svg';

function commandLine(argv: readonly string[]): string {
  const args = argv.join(' ');
  return process.env.npm_lifecycle_event === 'bench'
    ? `npm run bench${args ? ` -- ${args}` : ''}`
    : `node --import tsx bench/run.ts${args ? ` ${args}` : ''}`;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const args = parseArgs(argv);
  const unknown = args.only.filter((id) => !SCENARIOS.some((s) => s.id === id));
  if (unknown.length > 0)
    throw new Error(
      `unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.id).join(', ')}`,
    );
  if (args.write && args.only.length > 0)
    throw new Error('--write rewrites BENCHMARKS.md from a run of every scenario: drop --only');
  const selected =
    args.only.length === 0 ? SCENARIOS : SCENARIOS.filter((s) => args.only.includes(s.id));
  const runs = args.runs ?? (args.quick ? 3 : 5);
  if (!args.noRedis && !findRedisServer())
    throw new Error('the Redis rows need redis-server on PATH (Debian: apt-get install redis-server); or run with --no-redis');
  const log = (message: string): void => {
    process.stderr.write(`${message}\n`);
  };
  const context: ScenarioContext = {
    quick: args.quick,
    runs,
    redis: !args.noRedis,
    workers: await bundleWorkers(),
    spawn: { profileDir: args.profileDir ? resolve(args.profileDir) : undefined },
    log,
  };
  const report: BenchReport = {
    command: commandLine(argv),
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    mode: args.quick ? 'quick' : 'full',
    runs,
    machine: describeMachine(),
    source: describeSource(ROOT),
    load: { before: loadavg()[0]!, after: 0 },
    scenarios: [],
  };
  for (const scenario of selected) {
    log(`== ${scenario.title}`);
    const began = performance.now();
    const result = await scenario.run(context);
    const flags = [
      `--only=${scenario.id}`,
      args.quick ? '--quick' : '',
      args.runs ? `--runs=${args.runs}` : '',
      args.noRedis ? '--no-redis' : '',
    ].filter(Boolean);
    report.scenarios.push({
      id: scenario.id,
      title: scenario.title,
      reproduce: `npm run bench -- ${flags.join(' ')}`,
      seconds: (performance.now() - began) / 1000,
      result,
    });
  }
  report.load.after = loadavg()[0]!;
  process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : formatText(report));
  if (args.write) {
    const series = report.scenarios.find((s) => s.result.series)?.result.series;
    if (series) {
      const subtitle = `${report.machine.cores} cores, Node ${report.machine.node}, ${report.mode} run of ${report.date.slice(0, 10)}`;
      writeFileSync(join(ROOT, CHART), throughputChart(series, subtitle));
    }
    const file = join(ROOT, 'BENCHMARKS.md');
    const hand = existsSync(file) ? handSectionsOf(readFileSync(file, 'utf8')) : undefined;
    writeFileSync(file, benchmarksMarkdown(report, series ? CHART : undefined, hand));
    log(`wrote BENCHMARKS.md${series ? ` and ${CHART}` : ''}`);
  }
}

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  process.once(signal, () => {
    cleanUpEverything();
    stopEveryRedisServer();
    process.exit(code);
  });
}
try {
  await main();
} finally {
  cleanUpEverything();
  stopEveryRedisServer();
}
