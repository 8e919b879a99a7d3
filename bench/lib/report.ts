/** The run's results as one value (for --json and BENCHMARKS.md) and as text tables. */
import type { ScenarioResult } from '../scenarios/types.js';
import { type Figure, formatNumber, formatSummary, ratioOf } from './figures.js';
import { type Machine, machineLine } from './machine.js';

export interface ScenarioReport {
  id: string;
  title: string;
  /** The command that reproduces this scenario alone with the same settings. */
  reproduce: string;
  seconds: number;
  result: ScenarioResult;
}

export interface BenchReport {
  /** The exact command line that produced the figures. */
  command: string;
  date: string;
  mode: 'quick' | 'full';
  runs: number;
  machine: Machine;
  /** The commit measured (see describeSource). */
  source: string;
  /** 1-minute load average before and after the run: other work on the machine skews figures. */
  load: { before: number; after: number };
  scenarios: ScenarioReport[];
}

/** One row per figure: label, memsync, relay, ratio, goal. */
export function figureRows(figure: Figure): string[] {
  const ratio = ratioOf(figure);
  return [
    `${figure.label}${figure.note ? ` [${figure.note}]` : ''}`,
    `${formatSummary(figure.value)} ${figure.unit}`,
    figure.baseline
      ? `${formatSummary(figure.baseline)} ${figure.unit}${figure.baselineName ? ` (${figure.baselineName})` : ''}`
      : '-',
    ratio === undefined ? '-' : `${ratio.toFixed(2)}x`,
    figure.goal ? `${figure.goal.text}: ${figure.goal.met ? 'met' : 'MISSED'}` : '',
  ];
}

export const HEADER = [
  'figure',
  'memsync: median (min-max)',
  'baseline: median (min-max)',
  'ratio',
  'goal',
];

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  return rows
    .map((r) => `  ${r.map((cell, col) => cell.padEnd(widths[col]!)).join('  ')}`.trimEnd())
    .join('\n');
}

/** Every figure that has a goal, across scenarios. */
export function goals(report: BenchReport): { scenario: string; figure: Figure }[] {
  return report.scenarios.flatMap((s) =>
    s.result.figures.filter((f) => f.goal).map((figure) => ({ scenario: s.title, figure })),
  );
}

export function formatText(report: BenchReport): string {
  const out: string[] = [
    `memsync benchmarks (${report.mode}, ${report.runs} runs per figure) — ${report.date}`,
    `machine: ${machineLine(report.machine)}`,
    `command: ${report.command}`,
    `code: ${report.source}`,
    `load average (1 min): ${report.load.before.toFixed(1)} before, ${report.load.after.toFixed(1)} after`,
    '',
  ];
  for (const s of report.scenarios) {
    out.push(`${s.title}  (${s.seconds.toFixed(0)} s; ${s.reproduce})`);
    out.push(table([HEADER, ...s.result.figures.map(figureRows)]));
    for (const line of s.result.details ?? []) out.push(`  ${line}`);
    out.push('');
  }
  out.push('goals:');
  for (const { figure } of goals(report)) {
    const ratio = ratioOf(figure);
    const value = `${formatNumber(figure.value.median)} ${figure.unit}${ratio === undefined ? '' : ` = ${ratio.toFixed(2)}x ${figure.baselineName ?? 'relay'}`}`;
    out.push(
      `  ${figure.goal!.met ? 'met   ' : 'MISSED'}  ${figure.id}: ${value} (goal ${figure.goal!.text})`,
    );
  }
  return `${out.join('\n')}\n`;
}
