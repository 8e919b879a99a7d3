import {
  type ApplyOutcome,
  type DocumentLimits,
  Replica,
  validatePatchInput,
} from '../../../src/document/index.js';
import type { JsonObject, OrderedPatch, Patch } from '../../../src/types.js';

export interface SubmitOptions {
  if?: unknown;
  arrayFilters?: unknown;
  peer?: string;
  ts?: number;
  seq?: number;
}

/**
 * Drives one replica the way the mesh does: validate a caller's input, stamp it as a
 * patch, order it as the next version, apply it.
 */
export class Harness {
  readonly replica: Replica;
  readonly #seqs = new Map<string, number>();
  #ts = 1_000_000;

  constructor(initial: JsonObject = {}, limits?: Partial<DocumentLimits>) {
    this.replica = new Replica(initial, limits === undefined ? {} : { limits });
  }

  get state(): JsonObject {
    return this.replica.state;
  }

  /** A validated patch with the next seq of its peer and a fresh timestamp. */
  patch(update: unknown, options: SubmitOptions = {}): Patch {
    const peer = options.peer ?? 'alice';
    const body = validatePatchInput(
      { update, if: options.if, arrayFilters: options.arrayFilters },
      this.replica.limits,
    );
    const seq = options.seq ?? (this.#seqs.get(peer) ?? 0) + 1;
    this.#seqs.set(peer, seq);
    this.#ts += 1000;
    return { peer, seq, ts: options.ts ?? this.#ts, ...body };
  }

  /** The next ordered entry for `patch`. */
  entry(patch: Patch, epoch = 1): OrderedPatch {
    return { version: this.replica.version + 1, epoch, patch };
  }

  /** Validates, orders and applies. Throws what validation throws, before anything is applied. */
  submit(update: unknown, options: SubmitOptions = {}): ApplyOutcome {
    return this.replica.apply(this.entry(this.patch(update, options)));
  }
}
