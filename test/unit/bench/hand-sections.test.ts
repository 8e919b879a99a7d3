import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HAND_END, HAND_START, handSectionsOf } from '../../../bench/lib/hand-sections.js';
import { benchmarksMarkdown } from '../../../bench/lib/markdown.js';
import type { BenchReport } from '../../../bench/lib/report.js';

const report: BenchReport = {
  command: 'npm run bench -- --quick --write',
  date: '2026-12-02T06:00:00Z',
  mode: 'quick',
  runs: 3,
  machine: { cpu: 'test cpu', cores: 2, memoryGiB: 24, os: 'Linux', node: 'v20.20.2' },
  source: 'abc1234',
  load: { before: 0.1, after: 0.2 },
  scenarios: [],
};

const block = `${HAND_START}\n\n## Something measured by hand\n\nA table | with pipes |\n\n${HAND_END}`;

describe('BENCHMARKS.md by-hand sections', () => {
  it('survive a regeneration unchanged, after the Goals table and before the chart', () => {
    const first = benchmarksMarkdown(report, 'bench/throughput.svg', block);
    expect(handSectionsOf(first)).toBe(block);
    const again = benchmarksMarkdown(report, 'bench/throughput.svg', handSectionsOf(first));
    expect(again).toBe(first);
    const goals = again.indexOf('## Goals');
    const hand = again.indexOf(HAND_START);
    const chart = again.indexOf('## Throughput vs processes');
    expect(goals).toBeGreaterThan(-1);
    expect(hand).toBeGreaterThan(goals);
    expect(chart).toBeGreaterThan(hand);
  });

  it('are absent from a file without markers', () => {
    expect(handSectionsOf(benchmarksMarkdown(report, undefined))).toBeUndefined();
  });

  it('refuse a start marker without an end (a write would drop the rest)', () => {
    expect(() => handSectionsOf(`x\n${HAND_START}\n## lost?\n`)).toThrow(/no "<!-- end/);
  });

  it('are marked in the committed BENCHMARKS.md', () => {
    const text = readFileSync(new URL('../../../BENCHMARKS.md', import.meta.url), 'utf8');
    const kept = handSectionsOf(text);
    expect(kept).toContain('## Round trip: where the time goes');
    expect(kept).toContain('## Mixed workload: what bounds it');
  });
});
