/** One measured figure, how it compares with its baseline, and where it stands against its goal. */
import { type Summary, summarize } from './stats.js';

export interface Goal {
  /** The goal in words, e.g. '>= 0.5x relay' or '<= 150 ms'. */
  text: string;
  met: boolean;
}

export interface Figure {
  /** Stable id for --json consumers, e.g. 'fanout.8'. */
  id: string;
  label: string;
  unit: string;
  /** Over the runs: median, min..max. */
  value: Summary;
  /** The reference doing the same work bare (the relay, unless `baselineName` says otherwise). */
  baseline?: Summary;
  baselineName?: string;
  goal?: Goal;
  /** What a sample is, when it is not simply one run (e.g. pooled failovers). */
  note?: string;
}

/** memsync's median over the baseline's median. */
export function ratioOf(figure: Figure): number | undefined {
  return figure.baseline ? figure.value.median / figure.baseline.median : undefined;
}

export function makeFigure(
  id: string,
  label: string,
  unit: string,
  runs: readonly number[],
  extra: Partial<Pick<Figure, 'goal' | 'note' | 'baselineName'>> & { baseline?: readonly number[] } = {},
): Figure {
  const figure: Figure = { id, label, unit, value: summarize(runs) };
  if (extra.baseline) figure.baseline = summarize(extra.baseline);
  if (extra.goal) figure.goal = extra.goal;
  if (extra.note) figure.note = extra.note;
  if (extra.baselineName) figure.baselineName = extra.baselineName;
  return figure;
}

/** A goal on the ratio to the baseline: `at least` for throughput, `at most` for latency. */
export function ratioGoal(figure: Figure, bound: number, direction: 'atLeast' | 'atMost'): Goal {
  const ratio = ratioOf(figure) ?? Number.NaN;
  const name = figure.baselineName ?? 'relay';
  return direction === 'atLeast'
    ? { text: `>= ${bound}x ${name}`, met: ratio >= bound }
    : { text: `<= ${bound}x ${name}`, met: ratio <= bound };
}

/** A goal on the figure's median itself. */
export function valueGoal(
  median: number,
  bound: number,
  direction: 'atLeast' | 'atMost',
  unit: string,
): Goal {
  return direction === 'atLeast'
    ? { text: `>= ${formatNumber(bound)} ${unit}`, met: median >= bound }
    : { text: `<= ${formatNumber(bound)} ${unit}`, met: median <= bound };
}

/** Three significant digits, thousands separated: 312,000 / 41.7 / 0.812. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value) || value === 0) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) return Math.round(value).toLocaleString('en-US');
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

export function formatSummary(summary: Summary): string {
  return `${formatNumber(summary.median)} (${formatNumber(summary.min)}-${formatNumber(summary.max)})`;
}

/**
 * A figure over pooled samples (every failover of every run), where a per-run median would
 * rest on too few samples: `value` is the statistic of the pool, the spread its min..max.
 */
export function pooledFigure(
  id: string,
  label: string,
  unit: string,
  samples: readonly number[],
  statistic: number,
  note: string,
): Figure {
  const value = summarize(samples);
  return { id, label, unit, value: { ...value, median: statistic }, note };
}
