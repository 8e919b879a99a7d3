/** `memsync get <name> [path]` and `memsync dump <name>`: state as JSON on stdout. */
import { CliError, EXIT, type ExitCode } from '../exit-codes.js';
import { type GlobalFlags, openMesh } from '../connect.js';
import { json, out, wantsPretty } from '../output.js';

export async function get(
  name: string,
  path: string | undefined,
  flags: GlobalFlags,
  options: { pretty?: boolean },
): Promise<ExitCode> {
  const mem = await openMesh(name, flags);
  try {
    const value = mem.get(path ?? '');
    if (value === undefined) {
      throw new CliError('ERR_NOT_FOUND', `no value at '${path}' (version ${mem.version})`, EXIT.NO);
    }
    await out(json(value, wantsPretty(options.pretty)));
    return EXIT.OK;
  } finally {
    await mem.stop();
  }
}

/** The whole state, compact unless `--pretty`: meant for `> state.json`. */
export async function dump(name: string, flags: GlobalFlags, options: { pretty?: boolean }): Promise<ExitCode> {
  const mem = await openMesh(name, flags);
  try {
    await out(json(mem.data, options.pretty === true));
    return EXIT.OK;
  } finally {
    await mem.stop();
  }
}
