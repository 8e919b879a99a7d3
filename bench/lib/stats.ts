/** Order statistics over samples. Every function copies before sorting: inputs stay as given. */

function sorted(values: readonly number[]): number[] {
  if (values.length === 0) throw new Error('no samples');
  return [...values].sort((a, b) => a - b);
}

/** The q-quantile (0..1) by the nearest-rank method: always one of the samples. */
export function quantile(values: readonly number[], q: number): number {
  const ordered = sorted(values);
  const rank = Math.min(ordered.length - 1, Math.max(0, Math.ceil(q * ordered.length) - 1));
  return ordered[rank]!;
}

/** The middle sample; the mean of the two middle ones for an even count. */
export function median(values: readonly number[]): number {
  const ordered = sorted(values);
  const mid = ordered.length >> 1;
  return ordered.length % 2 === 1 ? ordered[mid]! : (ordered[mid - 1]! + ordered[mid]!) / 2;
}

export function minOf(values: readonly number[]): number {
  return sorted(values)[0]!;
}

export function maxOf(values: readonly number[]): number {
  const ordered = sorted(values);
  return ordered[ordered.length - 1]!;
}

/** A figure's summary over several runs: the median, and the spread as min..max. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  /** The per-run values the summary was taken over. */
  runs: number[];
}

export function summarize(runs: readonly number[]): Summary {
  return { median: median(runs), min: minOf(runs), max: maxOf(runs), runs: [...runs] };
}
