import { MemSyncError } from '../errors.js';
import type { TransportLimits } from './types.js';

/** The limits used where none are given. */
export const DEFAULT_TRANSPORT_LIMITS: Readonly<TransportLimits> = Object.freeze({
  maxFrameBytes: 64 * 1024 * 1024,
  maxQueuedBytes: 256 * 1024 * 1024,
  maxConnections: 10_000,
  maxUnauthenticatedFrameBytes: 4 * 1024,
  maxUnauthenticatedBytes: 1024 * 1024,
  maxDepth: 64,
});

// A frame's length travels as an unsigned 32-bit integer.
const MAX_FRAME_BYTES_CEILING = 0xffff_ffff;

/**
 * Fills in defaults and checks every limit is a positive integer.
 * @throws MemSyncError `ERR_INVALID_OPTION` on a bad value.
 */
export function resolveTransportLimits(limits: Partial<TransportLimits> = {}): TransportLimits {
  const resolved: TransportLimits = { ...DEFAULT_TRANSPORT_LIMITS };
  for (const key of Object.keys(DEFAULT_TRANSPORT_LIMITS) as (keyof TransportLimits)[]) {
    const value = limits[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new MemSyncError(
        'ERR_INVALID_OPTION',
        `${key} must be a positive integer, got ${value}`,
      );
    }
    resolved[key] = value;
  }
  if (resolved.maxFrameBytes > MAX_FRAME_BYTES_CEILING) {
    throw new MemSyncError(
      'ERR_INVALID_OPTION',
      `maxFrameBytes cannot exceed ${MAX_FRAME_BYTES_CEILING}`,
    );
  }
  return resolved;
}
