/** The in-process measurements a micro worker runs, what each answers, and how many entries each apply kind times. */

/** Patches applied by `Replica.apply`, one kind per measurement. */
/**
 * Entries per run of the apply kinds that cost more than the rest (micro-worker.ts applies no
 * more; scenarios/apply.ts says so). `incWide` costs about a microsecond per entry: enough
 * entries that the JIT has compiled its path before the timed part (300, when it cost
 * milliseconds, left it unoptimised: the figure moved between 54k and 306k/s).
 */
export function entriesPerRun(kind: ApplyKind, requested: number): number {
  if (kind === 'incWide') return Math.min(requested, 50_000);
  // Up to a second per entry before structural sharing: a few suffice.
  if (kind === 'setNested100k' || kind === 'setNested500k') return Math.min(requested, 20);
  return requested;
}

export type ApplyKind = FreezeKind | 'setNested100k' | 'setNested500k';
/** The kinds whose freezing freeze-cost.ts measures (the nested rows copy chunks instead). */
export type FreezeKind = 'inc' | 'set2' | 'conditionalInc' | 'pushEach' | 'incWide';
/** Per-message checks: the wire schema and the patch validator. */
export type ValidationKind = 'parseSubmit' | 'parseEntries' | 'validateInc' | 'validateSet2';

export type MicroCommand =
  /** Each kind in turn, in the order given, each on a fresh replica. */
  /** With `batch`: entries applied by `Replica.applyBatch`, that many at a time (one frame's). */
  | { cmd: 'apply'; kinds: ApplyKind[]; count: number; batch?: number }
  /** The freeze of what a patch of each kind makes fresh (freeze-cost.ts), `count` patches. */
  | { cmd: 'freeze'; kinds: FreezeKind[]; count: number }
  | { cmd: 'validate'; kinds: ValidationKind[]; count: number }
  /** Heap held by `JSON.parse` of the bench document of `mb` MB: the floor for any replica. */
  | { cmd: 'plainHeap'; mb: number }
  /** A reader's work per entry received, in this process: `entries` $inc entries, 32 a frame. */
  | { cmd: 'reader'; kinds: ReaderKind[]; entries: number };

/** `parse`: frame decoding and JSON.parse alone (what a relay reader does); `pipeline`: all of it. */
export type ReaderKind = 'parse' | 'pipeline';

export interface MicroResults {
  /** Patches per second, by kind. */
  apply: Partial<Record<ApplyKind, number>>;
  /** Nanoseconds per patch spent freezing, by kind. */
  freeze: Partial<Record<FreezeKind, number>>;
  /** Nanoseconds per message, by kind. */
  validate: Partial<Record<ValidationKind, number>>;
  /** Bytes of heap retained, and the JSON size of the document. */
  plainHeap: { heapBytes: number; jsonBytes: number };
  /** Nanoseconds per entry, by kind. */
  reader: Partial<Record<ReaderKind, number>>;
}
