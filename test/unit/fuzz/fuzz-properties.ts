/**
 * The fuzz properties by name, with the runs each gets per test run, and how a worker runs
 * one. Together they cover everything a peer's bytes pass through before a replica.
 */
import fc from 'fast-check';
import type { Beat } from './fuzz-checks.js';
import { frameDecoderProperty } from './frame-property.js';
import {
  parseAnyJsonProperty,
  parseMutatedProperty,
  refusedChangesNothingProperty,
  validateHostileProperty,
} from './patch-properties.js';
import { snapshotPartsProperty } from './snapshot-properties.js';

/** What one property run found. */
export interface FuzzOutcome {
  failed: boolean;
  numRuns: number;
  numSkips: number;
  /** fast-check's report of the (shrunk) counterexample, when one failed. */
  report: string | undefined;
}

/**
 * Keeps a report readable when the counterexample nests thousands deep: a run of one
 * character is written as `[×4711`. Replay with the seed and path for the exact value.
 */
function shorten(report: string): string {
  return report.replace(/(.)\1{31,}/g, (run, char: string) => `${char}×${run.length}`);
}

function reportOf<Ts>(details: fc.RunDetails<Ts>): string {
  const error = details.errorInstance;
  const cause = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return `${fc.defaultReportMessage(details) ?? 'failed'}\nError: ${cause}`;
}

/** A property and the runs it gets per test run. */
export interface FuzzSpec {
  numRuns: number;
  check(beat: Beat, params: { numRuns: number; seed: number }): Promise<FuzzOutcome>;
}

function spec<Ts>(numRuns: number, build: (beat: Beat) => fc.IRawProperty<Ts>): FuzzSpec {
  return {
    numRuns,
    async check(beat, params) {
      const details = await fc.check(build(beat), params);
      return {
        failed: details.failed,
        numRuns: details.numRuns,
        numSkips: details.numSkips,
        report: details.failed ? shorten(reportOf(details)) : undefined,
      };
    },
  };
}

/** Every fuzz property, by name. */
export const FUZZ_PROPERTIES = {
  'frame-decoder': spec(3000, frameDecoderProperty),
  'parse-any-json': spec(2000, parseAnyJsonProperty),
  'parse-mutated-messages': spec(3000, parseMutatedProperty),
  'validate-hostile-patches': spec(3000, validateHostileProperty),
  'refused-patch-changes-nothing': spec(1000, refusedChangesNothingProperty),
  'snapshot-parts': spec(1500, snapshotPartsProperty),
} satisfies Record<string, FuzzSpec>;

export type FuzzPropertyName = keyof typeof FUZZ_PROPERTIES;
