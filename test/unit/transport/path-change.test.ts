import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { watchPath } from '../../../src/transport/path-change.js';
import type { AddressWatch } from '../../../src/transport/types.js';

// A wait that would only end on its timer: if the change notice were missed, the test times out.
const NEVER_MS = 60_000;

describe.skipIf(process.platform === 'win32')('waiting for a socket name to change hands', () => {
  let dir: string;
  const watches: AddressWatch[] = [];
  const servers: net.Server[] = [];
  const watched = (path: string): AddressWatch => {
    const watch = watchPath(path);
    watches.push(watch);
    return watch;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'memsync-path-change-'));
  });
  afterEach(async () => {
    for (const watch of watches.splice(0)) watch.close();
    await Promise.all(servers.splice(0).map((s) => new Promise((done) => s.close(done))));
    rmSync(dir, { recursive: true, force: true });
  });

  it('a wait ends when a server binds the name', async () => {
    const path = join(dir, 'mesh.sock');
    const watch = watched(path);
    const waiting = watch.changed(NEVER_MS);
    const server = net.createServer();
    servers.push(server);
    await new Promise<void>((listening) => server.listen(path, listening));
    await waiting;
  });

  it('a change while nobody waited ends the next wait at once, and only that one', async () => {
    const path = join(dir, 'mesh.sock');
    const watch = watched(path);
    const other = watched(join(dir, 'barrier'));
    writeFileSync(path, '');
    // The barrier's notice comes after the first file's: by then that one has been seen.
    const barrier = other.changed(NEVER_MS);
    writeFileSync(join(dir, 'barrier'), '');
    await barrier;
    await watch.changed(NEVER_MS);
    let ended = false;
    const next = watch.changed(NEVER_MS).then(() => (ended = true));
    const barrier2 = other.changed(NEVER_MS);
    unlinkSync(join(dir, 'barrier'));
    await barrier2;
    expect(ended).toBe(false);
    unlinkSync(path); // a removal is a change too
    await next;
  });

  it('other names in the directory do not end a wait; the timer does', async () => {
    const path = join(dir, 'mesh.sock');
    const watch = watched(path);
    const other = watched(join(dir, 'mesh.sock.lock'));
    let ended = false;
    const waiting = watch.changed(NEVER_MS).then(() => (ended = true));
    const barrier = other.changed(NEVER_MS);
    writeFileSync(join(dir, 'mesh.sock.lock'), '');
    await barrier;
    expect(ended).toBe(false);
    watch.close(); // closing ends a wait rather than leaving it hanging
    await waiting;
    await watched(join(dir, 'quiet')).changed(5);
  });

  it('a directory that cannot be watched leaves the timer alone', async () => {
    await watched(join(dir, 'missing-dir', 'mesh.sock')).changed(5);
  });
});
