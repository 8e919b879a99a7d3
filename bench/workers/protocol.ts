/**
 * What the bench parent and its workers say to each other over the process IPC channel.
 * Types only, shared by both sides; each worker's commands are listed in its own file.
 */

/** The answer to one command. */
export interface WorkerReply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

/** Something a worker reports unasked (`ready`, `role`, `counted`...), with its wall-clock time. */
export interface WorkerEvent {
  event: string;
  at?: number;
  [key: string]: unknown;
}

/** A command: `cmd` names it, the other fields are its arguments. */
export type Command = { cmd: string } & Record<string, unknown>;
