import type { WorkerKind } from '../lib/bundle.js';
import type { SpawnOptions } from '../lib/child.js';
import type { Figure } from '../lib/figures.js';

export interface ScenarioContext {
  quick: boolean;
  /** Runs per figure. */
  runs: number;
  /** Measure Redis too (false with --no-redis). */
  redis: boolean;
  /** Paths of the bundled workers. */
  workers: Record<WorkerKind, string>;
  spawn: SpawnOptions;
  /** Progress, on stderr, so stdout stays clean for --json. */
  log(message: string): void;
}

/** Points of a chart: process count -> patches/s, for memsync, the relay and Redis. */
export interface Series {
  processes: number[];
  memsync: number[];
  relay: number[];
  /** Empty when Redis was not measured. */
  redis: number[];
}

export interface ScenarioResult {
  figures: Figure[];
  /** What bounds the figures, in a sentence or two, for BENCHMARKS.md. */
  reading: string;
  /** Extra lines to show under the table (samples over time, sizes). */
  details?: string[];
  series?: Series;
}

export interface Scenario {
  /** For --only and the JSON output. */
  id: string;
  title: string;
  run(context: ScenarioContext): Promise<ScenarioResult>;
}
