/**
 * Another OS user tries to make a mesh unrecoverable by holding the takeover guard. The old
 * guard was an abstract Unix socket: abstract names have no permissions, anyone can compute
 * the name from the socket path (or read it in /proc/net/unix) and bind it first, and then no
 * survivor could ever replace the dead host's socket. The guard now lives inside the mesh's
 * 0700 directory, where no other user can create anything.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Cluster } from '../../support/cluster.js';
import { createOtherUser, type OtherUser } from './other-user.js';

/** Binds every name this user could take: the abstract name the old guard used for `path`. */
const SQUAT = `
const net = require('node:net');
const { createHash } = require('node:crypto');
const path = process.argv[1];
const hash = createHash('sha256').update(path).digest('hex').slice(0, 32);
const name = ('\\0memsync-guard-' + hash).padEnd(108, '\\0');
const server = net.createServer((s) => s.destroy());
server.listen(name, () => console.log('ready ' + Buffer.byteLength(name)));
`;

/** Tries to create a file next to the socket; prints what happened. */
const PLANT = `
const fs = require('node:fs');
try { fs.writeFileSync(process.argv[1], 'x'); console.log('planted'); }
catch (e) { console.log(e.code); }
`;

describe('another user against the takeover guard', () => {
  let cluster: Cluster | undefined;
  let other: OtherUser | undefined;
  afterEach(async () => {
    await cluster?.[Symbol.asyncDispose]();
    await other?.[Symbol.asyncDispose]();
    cluster = other = undefined;
  });

  it('cannot stop the survivors from taking over after the host dies', { timeout: 60_000 }, async () => {
    cluster = new Cluster();
    other = createOtherUser();
    const host = await cluster.start();
    expect(host.role).toBe('host');
    const client = await cluster.start();
    expect(client.role).toBe('client');
    const { status } = (await cluster.oneHost()).all[0]!;
    const socketPath = resolve(status.address.path ?? '');
    expect(createHash('sha256').update(socketPath).digest('hex')).toHaveLength(64);

    expect((await other.run(SQUAT, [socketPath])).ready).toBe('ready 108');
    expect(other.exec(PLANT, [`${socketPath}.guard`]).trim()).toBe('EACCES');

    await host.worker.kill();
    const after = await cluster.oneHost(15_000);
    expect(after.host).toBe(client.worker);
    // And a newcomer joins the surviving host.
    const late = await cluster.start({ timeout: 10_000 });
    expect(late.role).toBe('client');
  });
});
