import { ConnectionError, MemSyncError } from '../errors.js';
import type { Address, Connection, Listener, Transport } from '../transport/types.js';

export type ElectionResult =
  | { role: 'host'; listener: Listener }
  | { role: 'client'; connection: Connection };

export interface ElectionOptions {
  transport: Transport;
  address: Address;
  clientOnly: boolean;
  onConnection(connection: Connection): void;
  /** Stop trying: the instance is stopping. */
  cancelled(): boolean;
  /** Delay before the first attempt: lets a named successor bind first. */
  initialDelayMs?: number;
  /**
   * The `target` of a host found frozen, while it still counts as frozen: take its address
   * over rather than join it again. Asked before every attempt.
   */
  depose?: () => string | undefined;
}

function causeCode(error: unknown): string | undefined {
  const cause =
    error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}

/** Errors that mean "try again": someone else holds or is taking over the address. */
function isContention(error: unknown): boolean {
  if (error instanceof MemSyncError && error.code === 'ERR_TIMEOUT') return true;
  const code = causeCode(error);
  return (
    code === 'EADDRINUSE' ||
    code === 'ECONNREFUSED' ||
    code === 'ENOENT' ||
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    code === 'EAGAIN'
  );
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One election round: bind the address and host, or connect and join. The bind is the
 * vote: the kernel lets exactly one process listen on a path, and the transport takes a
 * dead host's socket file over only under an atomic guard, so two hosts never coexist.
 * Retries are jittered so that a crowd of clients whose host just died does not move in
 * lock step. Resolves with the role won, rejects on a non-retryable error or cancellation.
 */
export async function elect(
  options: ElectionOptions,
  attemptLimit = Number.POSITIVE_INFINITY,
): Promise<ElectionResult> {
  if (options.initialDelayMs) await sleep(options.initialDelayMs);
  // Watched from before the first attempt, so that a host binding while we try is not missed.
  const watch = options.transport.watchAddress?.(options.address);
  try {
    return await attempts(options, attemptLimit, (ms) => (watch ? watch.changed(ms) : sleep(ms)));
  } finally {
    watch?.close();
  }
}

async function attempts(
  options: ElectionOptions,
  attemptLimit: number,
  pause: (ms: number) => Promise<void>,
): Promise<ElectionResult> {
  for (let attempt = 0; attempt < attemptLimit; attempt++) {
    if (options.cancelled()) throw new MemSyncError('ERR_STOPPED', 'stopped during election');
    if (!options.clientOnly) {
      try {
        const listener = await options.transport.listen(options.address, options.onConnection, {
          depose: options.depose?.(),
        });
        if (options.cancelled()) {
          await listener.close();
          throw new MemSyncError('ERR_STOPPED', 'stopped during election');
        }
        return { role: 'host', listener };
      } catch (error) {
        if (!isContention(error)) throw error;
      }
    }
    try {
      const connection = await options.transport.connect(options.address, {
        timeoutMs: 2000,
        avoid: options.depose?.(),
      });
      if (options.cancelled()) {
        connection.close();
        throw new MemSyncError('ERR_STOPPED', 'stopped during election');
      }
      return { role: 'client', connection };
    } catch (error) {
      if (!isContention(error)) throw error;
    }
    // 1-4 ms at first (a takeover is usually done by then), growing to ~50-100 ms; cut short
    // when the address changes hands (a new host bound it, or a dead one's file was removed).
    const base = Math.min(50, 2 ** Math.min(attempt, 6));
    await pause(base + Math.random() * base);
  }
  throw new ConnectionError('ERR_CONNECTION', 'election gave up');
}
