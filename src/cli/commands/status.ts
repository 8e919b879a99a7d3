/**
 * `memsync status <name>`: who is in the mesh and where it stands, as its host tells it:
 * each member's role, the host, epoch, version, patches pending across the mesh, the store the mesh keeps its state in,
 * and the backplane it orders through across machines (its kind), if any.
 */
import { EXIT, type ExitCode, oneLine } from '../exit-codes.js';
import { type GlobalFlags, openMesh } from '../connect.js';
import { json, out } from '../output.js';

export async function status(name: string, flags: GlobalFlags, options: { json?: boolean }): Promise<ExitCode> {
  const mem = await openMesh(name, flags);
  try {
    const s = await mem.status();
    // The CLI's own peer is a passer-by: it is left out of the members it reports.
    const members = s.members
      .filter((m) => m.peer !== s.id)
      .map((m) => ({
        peer: m.peer,
        role: m.peer === s.hostId ? 'host' : 'client',
        clientOnly: m.clientOnly,
        pid: m.pid ?? null,
      }));
    const report = {
      name,
      address: s.address,
      host: s.hostId ?? null,
      epoch: s.epoch,
      version: s.version,
      /** The host's store (an LMDB store reads `lmdb:<directory>`), or null: the state lives in memory only. */
      storage: s.storage ?? null,
      /** The kind of the host's backplane (`redis`), or null: one machine. */
      backplane: s.backplane ?? null,
      /** Patches not yet ordered across the mesh, as the host sums them (MemSyncStatus.meshPending). */
      pending: s.meshPending ?? null,
      members,
    };
    if (options.json || !process.stdout.isTTY) {
      await out(json(report));
      return EXIT.OK;
    }
    const where = s.address.kind === 'tcp' ? `${s.address.host}:${s.address.port}` : s.address.path;
    const lines = [
      `mesh     ${oneLine(name)}`,
      `address  ${where}`,
      `host     ${report.host ?? '-'}`,
      `epoch    ${s.epoch}`,
      `version  ${s.version}`,
      `pending  ${report.pending ?? '-'}`,
      `storage  ${report.storage === null ? 'none (in memory only)' : oneLine(report.storage)}`,
      `backplane ${report.backplane === null ? 'none (one machine)' : oneLine(report.backplane)}`,
      '',
      'PEER          ROLE    PID      CLIENT-ONLY',
      ...members.map(
        (m) => `${m.peer.padEnd(12)}  ${m.role.padEnd(6)}  ${String(m.pid ?? '-').padEnd(7)}  ${m.clientOnly ? 'yes' : 'no'}`,
      ),
    ];
    await out(`${lines.join('\n')}\n`);
    return EXIT.OK;
  } finally {
    await mem.stop();
  }
}
