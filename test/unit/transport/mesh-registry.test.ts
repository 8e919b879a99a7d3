import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultAddress } from '../../../src/transport/address.js';
import { listMeshes, meshHash, recordedMeshName } from '../../../src/transport/mesh-registry.js';

describe.skipIf(process.platform === 'win32')('mesh names beside their sockets', () => {
  let dir: string;
  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'memsync-registry-')), 'sockets');
  });
  afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

  it('deriving the default address records the name, mode 0600, read back by hash', () => {
    const address = defaultAddress('orders', dir);
    const hash = meshHash('orders');
    expect(address).toEqual({ kind: 'unix', path: join(dir, `${hash}.sock`) });
    expect(statSync(join(dir, `${hash}.json`)).mode & 0o777).toBe(0o600);
    expect(recordedMeshName(dir, hash)).toBe('orders');
    defaultAddress('orders', dir); // a second process: the file stays as it was
    expect(readdirSync(dir)).toEqual([`${hash}.json`]);
  });

  it('a metadata file whose name does not hash to its own file name is not believed', () => {
    defaultAddress('real', dir);
    const hash = meshHash('real');
    writeFileSync(join(dir, `${hash}.json`), JSON.stringify({ name: 'impostor' }));
    expect(recordedMeshName(dir, hash)).toBeUndefined();
    writeFileSync(join(dir, `${hash}.json`), 'not json');
    expect(recordedMeshName(dir, hash)).toBeUndefined();
  });

  it('lists the sockets being served, with their names; ignores other files; no directory, no meshes', async () => {
    expect(await listMeshes(join(dir, 'missing'))).toEqual([]);
    const live = defaultAddress('live-one', dir);
    defaultAddress('never-started', dir); // a name recorded, but no socket: not listed
    if (live.kind !== 'unix') throw new Error('a unix address expected');
    writeFileSync(join(dir, `${meshHash('plain-file')}.sock`), ''); // not a socket
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(live.path, resolve));
    try {
      expect(await listMeshes(dir)).toEqual([{ name: 'live-one', socket: live.path, state: 'live' }]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
