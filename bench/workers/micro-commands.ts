/** The in-process measurements a micro worker runs, and what each answers. Types only. */

/** Patches applied by `Replica.apply`, one kind per measurement. */
export type ApplyKind = 'inc' | 'set2' | 'conditionalInc' | 'pushEach';
/** Per-message checks: the wire schema and the patch validator. */
export type ValidationKind = 'parseSubmit' | 'parseEntries' | 'validateInc' | 'validateSet2';

export type MicroCommand =
  /** Each kind in turn, in the order given, each on a fresh replica. */
  | { cmd: 'apply'; kinds: ApplyKind[]; count: number }
  | { cmd: 'validate'; kinds: ValidationKind[]; count: number }
  /** Heap held by `JSON.parse` of the bench document of `mb` MB: the floor for any replica. */
  | { cmd: 'plainHeap'; mb: number };

export interface MicroResults {
  /** Patches per second, by kind. */
  apply: Partial<Record<ApplyKind, number>>;
  /** Nanoseconds per message, by kind. */
  validate: Partial<Record<ValidationKind, number>>;
  /** Bytes of heap retained, and the JSON size of the document. */
  plainHeap: { heapBytes: number; jsonBytes: number };
}
