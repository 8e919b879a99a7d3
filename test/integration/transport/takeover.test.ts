/**
 * Unix socket address ownership with real processes: a dead host's file is taken over, a live
 * host's never is, and of several takers exactly one wins.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { link, mkdtemp, rm, unlink } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MemSyncError } from '../../../src/errors.js';
import { createIpcTransport } from '../../../src/transport/ipc-transport.js';
import {
  lockFileGuard,
  socketFileGuard,
  type TakeoverGuard,
} from '../../../src/transport/takeover-guard.js';
import type { Address, Listener, Transport } from '../../../src/transport/types.js';
import { record, within } from '../../unit/transport/helpers.js';
import { type Child, forkFixture } from './children.js';

let dir: string;
let listeners: Listener[];
let children: Child[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'memsync-takeover-'));
  listeners = [];
  children = [];
});

afterEach(async () => {
  for (const child of children) child.kill();
  await within(10_000, Promise.all(listeners.map((l) => l.close())), 'closing listeners');
  await rm(dir, { recursive: true, force: true });
});

function unixAddress(name = 'mesh.sock'): Address & { kind: 'unix' } {
  return { kind: 'unix', path: join(dir, name) };
}

async function listenEcho(transport: Transport, address: Address): Promise<Listener> {
  const listener = await transport.listen(address, (connection) =>
    connection.setHandlers({
      message: (m) => connection.send({ from: process.pid, echo: m }),
      close: () => {},
    }),
  );
  listeners.push(listener);
  return listener;
}

/** Connects, sends one message, and returns who answered. */
async function whoAnswers(address: Address): Promise<number> {
  const connection = await createIpcTransport().connect(address);
  try {
    const inbox = record(connection);
    connection.send('who');
    const [reply] = await inbox.received(1);
    return (reply as { from: number }).from;
  } finally {
    connection.close();
  }
}

/**
 * Which file is at `path`. Not the inode alone: ext4 hands a freed inode number to the next
 * file at once, so a replaced stale file can have the same number; the change time differs.
 */
function fileIdentity(path: string): string {
  const info = statSync(path, { bigint: true });
  return `${info.ino}:${info.ctimeNs}:${info.birthtimeNs}`;
}

/** A socket file nobody listens on, made without a child: bind, hard-link the name away, close. */
async function makeStaleSocket(path: string): Promise<void> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(`${path}.bound`, resolve));
  await link(`${path}.bound`, path);
  await new Promise((resolve) => server.close(resolve));
}

async function hostInChildThenKill(address: Address & { kind: 'unix' }): Promise<number> {
  const host = forkFixture('listener-child.ts', [address.path]);
  children.push(host);
  const { pid } = await host.next('listening');
  host.kill();
  await host.exited();
  return pid;
}

describe('taking over a Unix socket address', () => {
  it('replaces the file of a host killed with SIGKILL, at the first attempt', async () => {
    const address = unixAddress();
    await hostInChildThenKill(address);
    expect(existsSync(address.path)).toBe(true);
    const staleFile = fileIdentity(address.path);
    await listenEcho(createIpcTransport(), address);
    expect(fileIdentity(address.path)).not.toBe(staleFile);
    expect(await whoAnswers(address)).toBe(process.pid);
  });

  it('never steals a live host: the second listen fails with EADDRINUSE, the first still answers', async () => {
    const address = unixAddress();
    const host = forkFixture('listener-child.ts', [address.path]);
    children.push(host);
    const { pid } = await host.next('listening');
    const hostFile = fileIdentity(address.path);
    const error = (await createIpcTransport()
      .listen(address, () => {})
      .catch((e: unknown) => e)) as MemSyncError;
    expect(error.code).toBe('ERR_CONNECTION');
    expect((error.cause as { code?: string }).code).toBe('EADDRINUSE');
    expect(fileIdentity(address.path)).toBe(hostFile);
    expect(await whoAnswers(address)).toBe(pid);
  });

  it('lets exactly one of four processes take over a dead host, round after round', async () => {
    const address = unixAddress();
    for (let round = 0; round < 3; round++) {
      await hostInChildThenKill(address);
      const takers = Array.from({ length: 4 }, () =>
        forkFixture('listener-child.ts', [address.path, '--wait-go']),
      );
      children.push(...takers);
      await Promise.all(takers.map((t) => t.next('ready')));
      for (const taker of takers) taker.process.send('go');
      const outcomes = await Promise.all(
        takers.map((t) => Promise.race([t.next('listening'), t.next('refused')])),
      );
      const winners = outcomes.filter((o) => o.type === 'listening');
      expect(winners).toHaveLength(1);
      for (const loser of outcomes.filter((o) => o.type === 'refused')) {
        expect(loser.cause).toBe('EADDRINUSE');
      }
      expect(await whoAnswers(address)).toBe(winners[0]!.pid);
      for (const taker of takers) taker.kill();
      await Promise.all(takers.map((t) => t.exited()));
    }
  });

  const guards: [string, () => TakeoverGuard][] = [
    ['socket file', socketFileGuard],
    ['lock file', lockFileGuard],
  ];
  for (const [name, makeGuard] of guards) {
    it(`waits for nobody but leaves the file alone while another process holds the ${name} guard`, async () => {
      const address = unixAddress();
      await makeStaleSocket(address.path);
      const staleFile = fileIdentity(address.path);
      const release = await makeGuard().acquire(address.path);
      expect(release).toBeTypeOf('function');
      const transport = createIpcTransport({}, { takeoverGuard: makeGuard() });
      const error = (await transport
        .listen(address, () => {})
        .catch((e: unknown) => e)) as MemSyncError;
      expect((error.cause as { code?: string }).code).toBe('EADDRINUSE');
      expect(fileIdentity(address.path)).toBe(staleFile);
      await release?.();
      await listenEcho(transport, address);
      expect(fileIdentity(address.path)).not.toBe(staleFile);
      expect(await whoAnswers(address)).toBe(process.pid);
    });
  }

  for (const [name, makeGuard] of guards) {
    it(`lets exactly one of four concurrent takers in one process win (${name} guard)`, async () => {
      for (let round = 0; round < 5; round++) {
        const address = unixAddress(`round-${round}.sock`);
        await makeStaleSocket(address.path);
        const outcomes = await Promise.allSettled(
          Array.from({ length: 4 }, () =>
            createIpcTransport({}, { takeoverGuard: makeGuard() }).listen(address, (c) =>
              c.close(),
            ),
          ),
        );
        const winners = outcomes.filter((o) => o.status === 'fulfilled');
        expect(winners).toHaveLength(1);
        listeners.push(...winners.map((w) => w.value));
        for (const outcome of outcomes) {
          if (outcome.status === 'rejected') expect(outcome.reason.cause.code).toBe('EADDRINUSE');
        }
      }
    });
  }

  it('never deletes a file that is not a socket', async () => {
    const address = unixAddress();
    writeFileSync(address.path, 'precious');
    const error = (await createIpcTransport()
      .listen(address, () => {})
      .catch((e: unknown) => e)) as MemSyncError;
    expect((error.cause as { code?: string }).code).toBe('EADDRINUSE');
    expect(readFileSync(address.path, 'utf8')).toBe('precious');
  });
});

describe('closing a Unix listener', () => {
  it('removes its own socket file', async () => {
    const address = unixAddress();
    const listener = await listenEcho(createIpcTransport(), address);
    await listener.close();
    expect(existsSync(address.path)).toBe(false);
  });

  it("does not delete a successor's socket when it closes late", async () => {
    const address = unixAddress();
    const old = await listenEcho(createIpcTransport(), address);
    // Someone removed the old host's file (a temp cleaner, a misbehaving tool) and a new host bound.
    await unlink(address.path);
    const successor = forkFixture('listener-child.ts', [address.path]);
    children.push(successor);
    const { pid } = await successor.next('listening');
    await old.close();
    expect(existsSync(address.path)).toBe(true);
    expect(await whoAnswers(address)).toBe(pid);
  });

  it('refuses a socket path the kernel would truncate', async () => {
    const address = unixAddress('x'.repeat(120));
    const error = (await createIpcTransport()
      .listen(address, () => {})
      .catch((e: unknown) => e)) as MemSyncError;
    expect(error.code).toBe('ERR_CONNECTION');
    expect((error.cause as { code?: string }).code).toBe('ENAMETOOLONG');
  });
});

describe('process lifetime', () => {
  it('leaves no timer or handle behind: a process that used the transport exits on its own', async () => {
    const child = forkFixture('clean-exit-child.ts', [dir]);
    children.push(child);
    await child.next('done');
    expect(await child.exited(15_000)).toEqual({ code: 0, signal: null });
  });
});
