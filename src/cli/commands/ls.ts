/** `memsync ls`: the meshes of this user, from the socket directory. */
import { existsSync } from 'node:fs';
import { defaultSocketDir, ensureSocketDir } from '../../transport/address.js';
import { listMeshes } from '../../transport/mesh-registry.js';
import { EXIT, type ExitCode, oneLine } from '../exit-codes.js';
import { json, out } from '../output.js';

export async function ls(flags: { dir?: string }, options: { json?: boolean }): Promise<ExitCode> {
  const dir = flags.dir ?? defaultSocketDir();
  // The same checks a mesh makes before it trusts the directory (owner, mode 0700); a
  // directory that does not exist holds no mesh, and listing must not create it.
  if (existsSync(dir)) ensureSocketDir(dir);
  const meshes = await listMeshes(dir);
  if (options.json || !process.stdout.isTTY) {
    await out(json(meshes.map((m) => ({ name: m.name ?? null, state: m.state, socket: m.socket }))));
    return EXIT.OK;
  }
  if (meshes.length === 0) {
    await out(`no meshes in ${dir}\n`);
    return EXIT.OK;
  }
  const names = meshes.map((m) => (m.name === undefined ? '?' : oneLine(m.name)));
  const width = Math.max(4, ...names.map((n) => n.length));
  const lines = [`${'NAME'.padEnd(width)}  STATE        SOCKET`];
  meshes.forEach((m, i) => lines.push(`${names[i]?.padEnd(width)}  ${m.state.padEnd(11)}  ${m.socket}`));
  await out(`${lines.join('\n')}\n`);
  return EXIT.OK;
}
