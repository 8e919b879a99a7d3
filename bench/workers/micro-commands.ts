/** The in-process measurements a micro worker runs, and what each answers. Types only. */

/** Patches applied by `Replica.apply`, one kind per measurement. */
export type ApplyKind = 'inc' | 'set2' | 'conditionalInc' | 'pushEach';
/** Per-message checks: the wire schema and the patch validator. */
export type ValidationKind = 'parseSubmit' | 'parseEntries' | 'validateInc' | 'validateSet2';

export type MicroCommand =
  | { cmd: 'apply'; kind: ApplyKind; count: number }
  | { cmd: 'validate'; kind: ValidationKind; count: number }
  /** Heap held by `JSON.parse` of the bench document of `mb` MB: the floor for any replica. */
  | { cmd: 'plainHeap'; mb: number };

export interface MicroResults {
  /** Patches per second. */
  apply: number;
  /** Nanoseconds per message. */
  validate: number;
  /** Bytes of heap retained, and the JSON size of the document. */
  plainHeap: { heapBytes: number; jsonBytes: number };
}
