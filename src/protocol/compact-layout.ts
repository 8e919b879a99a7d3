/** Layout of the compact frames: see compact.ts. */
import type { Patch } from '../types.js';

export const KIND_ENTRIES = 1;
export const KIND_SUBMIT = 2;
/** Entries flag: the host asks to hear that a replica holds them (`ack: true`). */
export const FLAG_ACK = 1;

/** Bytes before the records: kind, flags, count, then the f64 fields. */
export const ENTRIES_HEADER = 30;
export const SUBMIT_HEADER = 14;
/** Bytes of one entry's record (u32 peer index, f64 seq, f64 ts), and of one patch's (seq, ts). */
export const ENTRY_RECORD = 20;
export const SUBMIT_RECORD = 16;

/**
 * A body that is this number stands for the body just before it, which must be a one-path
 * body `[operator, path, value]` of a value that is no object (protocol 11, compact.ts).
 */
export const REPEAT_BODY = 0;

/** Whether a one-path write of `value` may be repeated: not an object, which only one place may hold. */
export function repeatable(value: unknown): boolean {
  return typeof value !== 'object' || value === null;
}

/** What a body holds beyond the update, when anything. */
export interface BodyExtras {
  if?: Patch['if'];
  arrayFilters?: Patch['arrayFilters'];
  msg?: Patch['msg'];
}
