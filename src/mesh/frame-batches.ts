import { MemSyncError } from '../errors.js';

/** The transport refused to encode a message larger than a frame (nothing was sent). */
export function isTooLargeForFrame(error: unknown): boolean {
  return error instanceof MemSyncError && error.code === 'ERR_LIMIT_EXCEEDED';
}

/**
 * Sends `items` in as few messages as fit in a frame: all in one when they fit, else each
 * half the same way. A message too large for a frame is refused while it is encoded, before
 * anything is sent (`ERR_LIMIT_EXCEEDED`), so splitting never sends an item twice. Catch-up
 * tails and bursts of large patches can exceed a frame where everyday batches never do; the
 * options make sure a single item always fits (options.ts).
 *
 * @throws MemSyncError `ERR_LIMIT_EXCEEDED` when one item alone does not fit.
 */
export function sendInBatches<T, M>(
  items: readonly T[],
  build: (batch: readonly T[]) => M,
  send: (message: M) => void,
): void {
  if (items.length === 0) return;
  try {
    send(build(items));
    return;
  } catch (error) {
    if (!isTooLargeForFrame(error) || items.length === 1) throw error;
  }
  const middle = items.length >> 1;
  sendInBatches(items.slice(0, middle), build, send);
  sendInBatches(items.slice(middle), build, send);
}
