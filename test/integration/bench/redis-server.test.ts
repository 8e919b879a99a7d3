/**
 * The bench's Redis harness (bench/redis/server.ts) against a real redis-server: it starts
 * on a Unix socket with no persistence and no TCP port, and leaves no process and no
 * directory behind, whether stopped, failed to start, or swept up on the bench's exit path.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRedisServer, stopEveryRedisServer } from '../../../bench/redis/server.js';

let parent = '';

beforeEach(() => {
  parent = mkdtempSync(join(tmpdir(), 'memsync-redis-harness-'));
});

afterEach(() => {
  stopEveryRedisServer();
  rmSync(parent, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Pids of live processes whose command line mentions `text` (ours: the test's own directory). */
function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) pids.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

describe('bench redis-server harness', () => {
  it('serves on a Unix socket in its own directory, without persistence, and stop() removes both', async () => {
    const server = await startRedisServer({ parentDir: parent });
    expect(server.socket.startsWith(parent)).toBe(true);
    const client = new Redis({ path: server.socket, maxRetriesPerRequest: 0, lazyConnect: true });
    try {
      await client.connect();
      expect(await client.ping()).toBe('PONG');
      expect(await client.config('GET', 'save')).toEqual(['save', '']);
      expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
      expect(await client.config('GET', 'port')).toEqual(['port', '0']);
      expect(await client.hincrby('h', 'f', 2)).toBe(2);
    } finally {
      client.disconnect();
    }
    expect(alive(server.pid)).toBe(true);
    expect(server.cpuMicros()).toBeGreaterThanOrEqual(0);
    await server.stop();
    expect(alive(server.pid)).toBe(false);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('a server not ready in time is killed and its directory removed before the start rejects', async () => {
    await expect(startRedisServer({ parentDir: parent, timeoutMs: 1 })).rejects.toThrow(/did not start/);
    expect(processesMentioning(parent)).toEqual([]);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('stopEveryRedisServer, the exit path, kills every running server and removes its directory', async () => {
    const servers = await Promise.all([startRedisServer({ parentDir: parent }), startRedisServer({ parentDir: parent })]);
    expect(servers.every((s) => alive(s.pid))).toBe(true);
    stopEveryRedisServer();
    // Synchronous: the directories are gone at once.
    expect(readdirSync(parent)).toEqual([]);
    // The kills are sent; stop() of a killed server only awaits its exit (bounded by the test timeout).
    await Promise.all(servers.map((s) => s.stop()));
    expect(servers.filter((s) => alive(s.pid))).toEqual([]);
  });
});
