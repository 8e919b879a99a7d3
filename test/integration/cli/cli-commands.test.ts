/**
 * The `memsync` bin against a live mesh of real processes: each subcommand's output parsed,
 * and every change checked from another process's side.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, type Worker, type WorkerStatus } from '../../support/cluster.js';
import { type LiveCli, runCli, spawnCli } from './cli-process.js';

describe('memsync CLI against a live mesh', () => {
  let cluster: Cluster;
  let host: Worker;
  let other: Worker;
  let at: string[];
  const live: LiveCli[] = [];

  beforeAll(async () => {
    cluster = new Cluster();
    host = (await cluster.start({}, { hits: 0, config: { mode: 'fast' }, list: [1, 2] })).worker;
    other = (await cluster.start()).worker;
    at = ['--dir', cluster.dir];
  });
  afterAll(async () => {
    for (const cli of live) cli.stop();
    await cluster?.[Symbol.asyncDispose]();
  });

  it('ls names the mesh and says it is live', async () => {
    const result = await runCli(['ls', ...at]);
    expect(result.code).toBe(0);
    const listing = JSON.parse(result.stdout) as { name: string; state: string; socket: string }[];
    const hostStatus = await host.call<WorkerStatus>('status');
    expect(listing).toEqual([{ name: cluster.name, state: 'live', socket: hostStatus.address.path }]);
  });

  it('status reports the host and each member with its role and pid', async () => {
    const result = await runCli(['status', cluster.name, ...at]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as {
      host: string;
      epoch: number;
      version: number;
      storage: string | null;
      backplane: string | null;
      members: { peer: string; role: string; pid: number; clientOnly: boolean }[];
    };
    const [h, o] = await Promise.all([host.call<WorkerStatus>('status'), other.call<WorkerStatus>('status')]);
    expect(report.host).toBe(h.id);
    expect(report.epoch).toBe(h.epoch);
    expect(report.storage).toBeNull(); // no storage: the state lives in memory only
    expect(report.backplane).toBeNull(); // one machine
    expect(report.version).toBeGreaterThanOrEqual(h.version);
    expect(report.members).toEqual(
      expect.arrayContaining([
        { peer: h.id, role: 'host', clientOnly: false, pid: host.pid },
        { peer: o.id, role: 'client', clientOnly: false, pid: other.pid },
      ]),
    );
    expect(report.members).toHaveLength(2); // the CLI's own peer is left out
  });

  it('get prints the state, or the value at a path, as JSON', async () => {
    const whole = await runCli(['get', cluster.name, ...at]);
    expect(whole.code).toBe(0);
    expect(JSON.parse(whole.stdout)).toEqual(await other.call('get'));
    const mode = await runCli(['get', cluster.name, 'config.mode', ...at]);
    expect(mode).toMatchObject({ code: 0, stdout: '"fast"\n' });
    const pretty = await runCli(['get', cluster.name, 'config', '--pretty', ...at]);
    expect(pretty.stdout).toBe('{\n  "mode": "fast"\n}\n');
  });

  it('get of a path with no value exits 1 with ERR_NOT_FOUND', async () => {
    const result = await runCli(['get', cluster.name, 'config.nothing', ...at]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^memsync: ERR_NOT_FOUND: no value at 'config.nothing'/);
  });

  it('patch prints the PatchResult and the other processes see the change', async () => {
    const result = await runCli(['patch', cluster.name, '{"$inc":{"hits":5}}', ...at]);
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as { version: number; applied: boolean };
    expect(printed).toEqual({ version: expect.any(Number), applied: true });
    await expect.poll(() => other.call('get', { path: 'hits' }), { timeout: 10_000 }).toBe(5);
  });

  it('patch whose condition is false prints applied: false and exits 1', async () => {
    const result = await runCli(['patch', cluster.name, '{"$set":{"config.mode":"x"}}', '--if', '{"hits":{"$lt":0}}', ...at]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ applied: false, reason: 'condition' });
    expect(result.stderr).toMatch(/^memsync: ERR_NOT_APPLIED: condition/);
    expect(await host.call('get', { path: 'config.mode' })).toBe('fast');
  });

  it('watch prints the current value, then a change made by another process, as NDJSON', async () => {
    const watch = await spawnCli(['watch', cluster.name, 'config', ...at]);
    live.push(watch);
    await watch.until((w) => w.lines().length >= 1, 20_000, 'the first watch line');
    const first = JSON.parse(watch.lines()[0] ?? '') as Record<string, unknown>;
    expect(first).toMatchObject({ origin: null, path: 'config', value: { mode: 'fast' } });
    const { id } = await other.call<WorkerStatus>('status');
    const result = await other.call<{ version: number }>('patch', { update: { $set: { 'config.mode': 'safe' } } });
    await watch.until((w) => w.lines().length >= 2, 20_000, 'the change line');
    expect(JSON.parse(watch.lines()[1] ?? '')).toEqual({
      version: result.version,
      origin: id,
      path: 'config',
      value: { mode: 'safe' },
    });
    watch.signal('SIGINT');
    expect((await watch.exited()).code).toBe(0);
  });

  it('watch --count ends by itself after that many changes', async () => {
    const watch = await spawnCli(['watch', cluster.name, 'hits', '--count', '2', ...at]);
    live.push(watch);
    await watch.until((w) => w.lines().length >= 1, 20_000, 'the first watch line');
    await host.call('patch', { update: { $inc: { hits: 1 } } });
    await host.call('patch', { update: { $inc: { hits: 1 } } });
    const done = await watch.exited();
    expect(done.code).toBe(0);
    const values = done.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { value: number }).value);
    expect(values.slice(1)).toEqual([values[0]! + 1, values[0]! + 2]);
  });

  it('dump then load round-trips, and load replaces the whole state in one patch', async () => {
    const dumped = await runCli(['dump', cluster.name, ...at]);
    expect(dumped.code).toBe(0);
    const state = JSON.parse(dumped.stdout) as Record<string, unknown>;
    expect(state).toEqual(await host.call('get'));

    const next = { fresh: { nested: [1, { a: 'b' }] }, hits: 42 };
    const loaded = await runCli(['load', cluster.name, ...at], { input: JSON.stringify(next) });
    expect(loaded.code).toBe(0);
    const result = JSON.parse(loaded.stdout) as { version: number; applied: boolean };
    expect(result.applied).toBe(true);
    const after = await runCli(['get', cluster.name, ...at]);
    expect(JSON.parse(after.stdout)).toEqual(next);
    await expect.poll(() => other.call('get'), { timeout: 10_000 }).toEqual(next);

    // And back: the dump loaded again gives the state it was taken from.
    expect((await runCli(['load', cluster.name, ...at], { input: dumped.stdout })).code).toBe(0);
    expect(JSON.parse((await runCli(['dump', cluster.name, ...at])).stdout)).toEqual(state);
  });
});
