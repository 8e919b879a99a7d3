/** Helpers to report Node system errors (EADDRINUSE, ECONNREFUSED, ...) the way the transport contract asks. */
import { ConnectionError, MemSyncError } from '../errors.js';

/** The `code` of a Node system error, if `error` has one. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const code = (error as { code: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * A Node-style system error for conditions we detect ourselves (an exclusive link that found
 * the name taken is reported as EADDRINUSE, as a bind would have been).
 */
export function systemError(code: string, syscall: string, address: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${syscall} ${code} ${address}`);
  error.code = code;
  error.syscall = syscall;
  return Object.assign(error, { address });
}

/** Wraps a Node error as `ConnectionError` `ERR_CONNECTION` with it as `cause`; memsync errors pass through. */
export function toConnectionError(error: unknown, what: string): MemSyncError {
  if (error instanceof MemSyncError) return error;
  const code = errorCode(error);
  const detail = code ?? (error instanceof Error ? error.message : String(error));
  return new ConnectionError('ERR_CONNECTION', `${what}: ${detail}`, { cause: error });
}
