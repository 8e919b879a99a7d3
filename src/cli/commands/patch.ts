/** `memsync patch <name> '<update>' [--if '<query>']` and `memsync load <name> < state.json`. */
import type { MemSync } from '../../memsync.js';
import type { JsonObject, PatchResult, Update } from '../../types.js';
import { CliError, EXIT, type ExitCode } from '../exit-codes.js';
import { type GlobalFlags, openMesh } from '../connect.js';
import { err, json, out } from '../output.js';
import { parseJson, parseObject, readStdin } from '../read-input.js';

export interface PatchFlags {
  if?: string;
  arrayFilters?: string;
}

/** Prints the PatchResult; exit 1 (with a stderr line saying why) when it was not applied. */
async function report(result: PatchResult): Promise<ExitCode> {
  await out(json(result));
  if (result.applied) return EXIT.OK;
  const why = result.message ? `${result.reason}: ${result.message}` : (result.reason ?? 'refused');
  await err(`memsync: ERR_NOT_APPLIED: ${why} (version ${result.version})\n`);
  return EXIT.NO;
}

export async function patch(name: string, updateText: string, flags: GlobalFlags, options: PatchFlags): Promise<ExitCode> {
  // Parse everything before connecting: a typo costs no round trip to the mesh.
  const update = parseObject(updateText, 'the update') as Update;
  const condition = options.if === undefined ? undefined : parseObject(options.if, '--if');
  let arrayFilters: JsonObject[] | undefined;
  if (options.arrayFilters !== undefined) {
    const parsed = parseJson(options.arrayFilters, '--array-filters');
    if (!Array.isArray(parsed)) throw new CliError('ERR_USAGE', '--array-filters must be a JSON array', EXIT.USAGE);
    arrayFilters = parsed as JsonObject[];
  }
  const mem = await openMesh(name, flags);
  try {
    return await report(
      await mem.patch(update, {
        ...(condition ? { if: condition } : {}),
        ...(arrayFilters ? { arrayFilters } : {}),
      }),
    );
  } finally {
    await mem.stop();
  }
}

/** Standard input larger than this is refused before it is parsed (a patch is smaller anyway). */
const MAX_LOAD_BYTES = 64 << 20;

/**
 * One patch that turns the current state into `next`: `$set` of each top-level key of
 * `next`, `$unset` of each current key `next` lacks. Judged in order like any patch; a key
 * another process adds between our read and the patch being ordered survives it.
 */
export function replacement(current: JsonObject, next: JsonObject): Update | undefined {
  for (const key of Object.keys(next)) {
    // A dotted key would be read as a path and nest the value instead of replacing the key.
    if (key.includes('.') || key.startsWith('$')) {
      throw new CliError('ERR_INVALID_PATH', `top-level key '${key}' cannot be written by a patch`, EXIT.INVALID_UPDATE);
    }
  }
  const update: Update = {};
  if (Object.keys(next).length > 0) update.$set = { ...next };
  const gone = Object.keys(current).filter((key) => !Object.hasOwn(next, key));
  if (gone.length > 0) update.$unset = Object.fromEntries(gone.map((key) => [key, '' as const]));
  return Object.keys(update).length === 0 ? undefined : update;
}

export async function load(name: string, flags: GlobalFlags): Promise<ExitCode> {
  const next = parseObject(await readStdin(MAX_LOAD_BYTES), 'standard input');
  const mem: MemSync<JsonObject> = await openMesh(name, flags);
  try {
    const update = replacement(mem.data as JsonObject, next); // frozen, only read
    // Already equal to an empty object: nothing to order.
    if (update === undefined) return await report({ version: mem.version, applied: true });
    return await report(await mem.patch(update));
  } finally {
    await mem.stop();
  }
}
