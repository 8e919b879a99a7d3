/**
 * The child-process plumbing the examples share, so that each example file keeps only what it
 * demonstrates: forking itself, typed messages from a child awaited with a bound, and a clean
 * stop with SIGKILL as the last resort.
 */
import { type ChildProcess, fork, type Serializable } from 'node:child_process';

/** A message a child sends to its parent: a plain object told apart by its `type`. */
export interface TypedMessage {
  type: string;
}

/** Anything whose events can be awaited: a child process, an `EventEmitter`, a `MemSync`. */
export interface Emitter {
  on(event: string, listener: (payload?: unknown) => void): unknown;
  off(event: string, listener: (payload?: unknown) => void): unknown;
}

/** Bounds and words for {@link waitFor}. */
export interface WaitOptions {
  /** Rejects after this long. */
  timeoutMs: number;
  /** What is awaited, for the error message: `pid 123 to send 'ready'`. */
  what: string;
  /** Rejects at once if this child exits first: its answer will never come. */
  child?: ChildProcess;
}

/**
 * Forks `file` (the example itself, `import.meta.filename`) with `args`; the child needs tsx
 * to load TypeScript, as its parent did.
 */
export function forkWithTsx(file: string, args: string[]): ChildProcess {
  return fork(file, args, { execArgv: ['--import', 'tsx'] });
}

/** True once the child has exited, by itself or by a signal. */
export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/**
 * Checks `probe` now and again on every `event` of `source` (with the event's payload), and
 * resolves with the first value it returns other than `undefined`.
 */
export function waitFor<R>(
  source: Emitter,
  event: string,
  probe: (payload?: unknown) => R | undefined,
  { timeoutMs, what, child }: WaitOptions,
): Promise<R> {
  return new Promise((resolve, reject) => {
    const settle = (outcome: { value: R } | { error: Error }): void => {
      clearTimeout(timer);
      source.off(event, check);
      child?.off('exit', onExit);
      if ('value' in outcome) resolve(outcome.value);
      else reject(outcome.error);
    };
    const timer = setTimeout(
      () => settle({ error: new Error(`timed out after ${timeoutMs} ms waiting for ${what}`) }),
      timeoutMs,
    );
    const onExit = (code: number | null, signal: string | null): void => {
      const error = new Error(`the child exited (${signal ?? code}) while waiting for ${what}`);
      settle({ error });
    };
    const check = (payload?: unknown): void => {
      const value = probe(payload);
      if (value !== undefined) settle({ value });
    };
    source.on(event, check);
    child?.on('exit', onExit);
    check();
  });
}

/**
 * Resolves `true` once `condition` holds, checked now and on every `event` of `source`, or
 * `false` after `timeoutMs`: the caller judges what was reached.
 */
export function waitUntil(
  source: Emitter,
  event: string,
  condition: () => boolean,
  timeoutMs: number,
): Promise<boolean> {
  return waitFor(source, event, () => (condition() ? true : undefined), {
    timeoutMs,
    what: `${event} meeting the condition`,
  }).catch(() => false);
}

/**
 * The child's next message of type `type`, typed as `M` (the child runs the same file, so its
 * messages are trusted); rejects if the child exits first or time runs out.
 */
export function nextMessage<M extends TypedMessage>(
  child: ChildProcess,
  type: M['type'],
  timeoutMs: number,
): Promise<M> {
  const isWanted = (message: unknown): message is M =>
    typeof message === 'object' && message !== null && 'type' in message && message.type === type;
  return waitFor(child, 'message', (message) => (isWanted(message) ? message : undefined), {
    timeoutMs,
    what: `pid ${child.pid} to send '${type}'`,
    child,
  });
}

/** Sends `command` to the child; resolves with its reply of type `reply` ({@link nextMessage}). */
export function ask<M extends TypedMessage>(
  child: ChildProcess,
  command: Serializable,
  reply: M['type'],
  timeoutMs: number,
): Promise<M> {
  // Listen before sending: a fast child could otherwise answer before anyone listens.
  const answer = nextMessage<M>(child, reply, timeoutMs);
  child.send(command);
  return answer;
}

/**
 * Sends the child `command` (its cue to leave the mesh and exit) and resolves once it exited,
 * or after `timeoutMs`: {@link killIfRunning} deals with a child that did not.
 */
export function stopChild(
  child: ChildProcess,
  command: Serializable,
  timeoutMs: number,
): Promise<void> {
  if (hasExited(child)) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.send(command);
  });
}

/** SIGKILLs the child unless it has exited already: the last step of every cleanup. */
export function killIfRunning(child: ChildProcess): void {
  if (hasExited(child) || child.pid === undefined) return;
  try {
    process.kill(child.pid, 'SIGKILL');
  } catch {
    // it exited meanwhile
  }
}

/** In a child: exits once the parent is gone (crashed or killed), never holding the socket. */
export function exitWithParent(): void {
  process.on('disconnect', () => process.exit(0));
}

/** In a child: resolves on the parent's next message equal to `command` (e.g. `'go'`). */
export function nextCommand(command: string): Promise<void> {
  return new Promise((resolve) => {
    const listener = (message: unknown): void => {
      if (message !== command) return;
      process.off('message', listener);
      resolve();
    };
    process.on('message', listener);
  });
}
