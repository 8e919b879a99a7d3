/**
 * What a script can rely on: the documented exit status and the one `memsync: CODE: ...`
 * stderr line, for a mesh that does not exist, a dead one, bad input and bad credentials.
 */
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, type WorkerStatus } from '../../support/cluster.js';
import { meshHash } from '../../../src/transport/mesh-registry.js';
import { runCli } from './cli-process.js';

const SUBCOMMANDS = ['ls', 'status', 'get', 'watch', 'patch', 'dump', 'load', 'serve'];
const SECRET = 'a-shared-secret-of-some-length';

describe('memsync CLI exit codes and messages', () => {
  let cluster: Cluster;
  let at: string[];

  beforeAll(async () => {
    cluster = new Cluster();
    await cluster.start({ secret: SECRET }, { n: 1 });
    at = ['--dir', cluster.dir];
  });
  afterAll(async () => {
    await cluster?.[Symbol.asyncDispose]();
  });

  it('a mesh that does not exist: exit 3, ERR_NO_MESH, at once', async () => {
    for (const args of [['get', 'no-such-mesh'], ['status', 'no-such-mesh'], ['patch', 'no-such-mesh', '{"$set":{"a":1}}']]) {
      const result = await runCli([...args, ...at, '--timeout', '60000'], { timeoutMs: 10_000 });
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(/^memsync: ERR_NO_MESH: no mesh 'no-such-mesh' at .* \(no socket\)\n$/);
    }
    // Looking for a mesh leaves nothing behind: no name file for a socket nobody serves.
    expect(readdirSync(cluster.dir).filter((f) => f === `${meshHash('no-such-mesh')}.json`)).toEqual([]);
    expect(readdirSync(cluster.dir)).toContain(`${meshHash(cluster.name)}.json`);
  });

  it('a bad update: exit 4 with its MemSyncError code; nothing applied', async () => {
    const env = { MEMSYNC_SECRET: SECRET };
    const unknown = await runCli(['patch', cluster.name, '{"$eval":{"a":1}}', ...at], { env });
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toMatch(/^memsync: ERR_UNKNOWN_OPERATOR: /);
    const reserved = await runCli(['patch', cluster.name, '{"$set":{"__proto__.x":1}}', ...at], { env });
    expect(reserved.code).toBe(4);
    expect(reserved.stderr).toMatch(/^memsync: ERR_RESERVED_KEY: /);
    const state = await runCli(['get', cluster.name, ...at], { env });
    expect(JSON.parse(state.stdout)).toEqual({ n: 1 });
  });

  it('input that is not JSON, unknown subcommands and options: exit 2, ERR_USAGE', async () => {
    const notJson = await runCli(['patch', cluster.name, '{$set: 1}', ...at]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/^memsync: ERR_USAGE: the update is not JSON/);
    const notObject = await runCli(['load', cluster.name, ...at], { input: '[1, 2]' });
    expect(notObject.code).toBe(2);
    expect(notObject.stderr).toMatch(/^memsync: ERR_USAGE: standard input must be a JSON object/);
    const unknown = await runCli(['frobnicate']);
    expect(unknown).toMatchObject({ code: 2, stderr: "memsync: ERR_USAGE: unknown command 'frobnicate'\n" });
    const option = await runCli(['get', cluster.name, '--colour']);
    expect(option).toMatchObject({ code: 2, stderr: "memsync: ERR_USAGE: unknown option '--colour'\n" });
    const missing = await runCli(['status']);
    expect(missing).toMatchObject({ code: 2, stderr: "memsync: ERR_USAGE: missing required argument 'name'\n" });
  });

  it('the secret comes from MEMSYNC_SECRET; without it the host refuses: exit 5, ERR_AUTH', async () => {
    const without = await runCli(['get', cluster.name, ...at]);
    expect(without.code).toBe(5);
    expect(without.stderr).toMatch(/^memsync: ERR_AUTH: /);
    const withSecret = await runCli(['status', cluster.name, ...at], { env: { MEMSYNC_SECRET: SECRET } });
    expect(withSecret.code).toBe(0);
    expect((JSON.parse(withSecret.stdout) as { members: unknown[] }).members).toHaveLength(1);
  });

  it('a dead host: ls says stale, and the mesh answers exit 3', async () => {
    const host = cluster.workers[0]!;
    const { address } = await host.call<WorkerStatus>('status');
    await host.kill('SIGKILL');
    const listing = await runCli(['ls', ...at]);
    expect(JSON.parse(listing.stdout)).toEqual([{ name: cluster.name, state: 'stale', socket: address.path }]);
    const result = await runCli(['get', cluster.name, ...at]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^memsync: ERR_NO_MESH: .*a stale socket: its host is gone/);
  });

  it('--help on every subcommand: exit 0, its usage and the exit codes', async () => {
    for (const sub of SUBCOMMANDS) {
      const result = await runCli([sub, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^Usage: memsync ${sub} `));
      expect(result.stdout).toContain('3  no such mesh');
      expect(result.stdout).toContain('--dir <dir>'); // the global flags are listed too
    }
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    for (const sub of SUBCOMMANDS) expect(top.stdout).toMatch(new RegExp(`^  ${sub}\\b`, 'm'));
  });
});
