/**
 * `memsync watch <name> [path]`: the value at `path` (the whole state without one), then
 * one line per ordered change of it. NDJSON when piped; a live view in a terminal.
 */
import type { JsonValue } from '../../types.js';
import { EXIT, type ExitCode, oneLine } from '../exit-codes.js';
import { type GlobalFlags, openMesh } from '../connect.js';
import { err, json, out } from '../output.js';

export interface WatchFlags {
  /** Exit after this many changes (the first line, the current value, not counted). */
  count?: number;
}

/** One NDJSON line: the first has `origin: null`; a deleted value has `deleted: true` and no `value`. */
export interface WatchLine {
  version: number;
  origin: string | null;
  path: string;
  value?: JsonValue;
  deleted?: true;
}

function line(version: number, origin: string | null, path: string, value: JsonValue | undefined): WatchLine {
  return value === undefined ? { version, origin, path, deleted: true } : { version, origin, path, value };
}

function screen(name: string, entry: WatchLine): string {
  const when = new Date().toISOString().slice(11, 19);
  const by = entry.origin === null ? 'current state' : `changed by ${oneLine(entry.origin)} at ${when}`;
  const head = `memsync watch ${oneLine(name)} ${oneLine(entry.path || '(all)')} · version ${entry.version} · ${by}`;
  const body = entry.deleted ? '(no value)' : JSON.stringify(entry.value, null, 2);
  // Clear the screen and home the cursor: the view is redrawn whole on each change.
  return `\x1b[2J\x1b[H${head}\n\n${body}\n`;
}

export async function watch(name: string, path: string | undefined, flags: GlobalFlags, options: WatchFlags): Promise<ExitCode> {
  const at = path ?? '';
  const mem = await openMesh(name, flags);
  mem.on('error', (error) => void err(`memsync: warning: ${error.code}: ${oneLine(error.message)}\n`));
  const terminal = process.stdout.isTTY === true;
  const emit = (entry: WatchLine): Promise<void> => out(terminal ? screen(name, entry) : json(entry));
  return new Promise<ExitCode>((resolve) => {
    let seen = 0;
    let finished = false;
    const finish = (code: ExitCode): void => {
      if (finished) return;
      finished = true;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      void mem.stop().then(() => resolve(code));
    };
    const onSignal = (): void => finish(EXIT.OK);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    // The reader went away (`| head -1`): a watch ends quietly, like `tail -f`.
    process.stdout.on('error', () => finish(EXIT.OK));
    // Lines are written in order: each waits for the one before (writes may be asynchronous).
    // Frozen values, only read here.
    let queue = emit(line(mem.version, null, at, mem.get(at) as JsonValue | undefined));
    mem.observe(at, (value, change) => {
      if (finished) return;
      queue = queue.then(() => emit(line(change.version, change.origin, at, value as JsonValue | undefined)));
      seen++;
      if (options.count !== undefined && seen >= options.count) void queue.then(() => finish(EXIT.OK), () => finish(EXIT.OK));
    });
    if (options.count === 0) void queue.then(() => finish(EXIT.OK));
  });
}
