/**
 * What a script can rely on: the exit status of every `memsync` subcommand, and one line on
 * stderr for every failure, `memsync: <CODE>: <message>`, CODE being a MemSyncError code or
 * one of the CLI's own (ERR_USAGE, ERR_NO_MESH, ERR_NOT_FOUND, ERR_NOT_APPLIED).
 */
import { isMemSyncError } from '../errors.js';

export const EXIT = {
  /** Done. */
  OK: 0,
  /** The answer is no: `patch`/`load` ordered but not applied, `get` found no value at the path. */
  NO: 1,
  /** Bad arguments: unknown subcommand or option, missing argument, input that is not JSON. */
  USAGE: 2,
  /** No process serves the mesh: no socket, a stale one left by a dead host, or nothing on the TCP port. */
  NO_MESH: 3,
  /** The update was refused before it was sent (unknown operator, reserved key, bad path, a limit). */
  INVALID_UPDATE: 4,
  /** Anything else: the join timed out, authentication failed, the connection was lost, ... */
  FAILED: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure the CLI reports itself, with the code and exit status it documents. */
export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exit: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

const INVALID_UPDATE_CODES = new Set([
  'ERR_UNKNOWN_OPERATOR',
  'ERR_RESERVED_KEY',
  'ERR_INVALID_PATH',
  'ERR_INVALID_VALUE',
  'ERR_INVALID_CONDITION',
  'ERR_LIMIT_EXCEEDED',
]);

/** The code and exit status for anything a subcommand threw. */
export function classify(error: unknown): { code: string; message: string; exit: ExitCode } {
  if (error instanceof CliError) return { code: error.code, message: error.message, exit: error.exit };
  if (isMemSyncError(error)) {
    const exit = INVALID_UPDATE_CODES.has(error.code)
      ? EXIT.INVALID_UPDATE
      : error.code === 'ERR_INVALID_OPTION'
        ? EXIT.USAGE
        : EXIT.FAILED;
    return { code: error.code, message: error.message, exit };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'ERR_INTERNAL', message, exit: EXIT.FAILED };
}

/** The one stderr line of a failure; control characters escaped so it stays one line. */
export function errorLine(code: string, message: string): string {
  return `memsync: ${code}: ${oneLine(message)}\n`;
}

/** Escapes control characters (a mesh name or a message could carry a newline or an ANSI escape). */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
