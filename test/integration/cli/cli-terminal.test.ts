/**
 * The CLI in a terminal (a pseudo-terminal from util-linux's `script`): tables for ls and
 * status, and watch's live view redrawn on a change another process makes.
 */
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, type Worker, type WorkerStatus } from '../../support/cluster.js';
import { RUN_DIR } from '../../support/run-dir.js';
import { cliPath, LiveCli } from './cli-process.js';

const quote = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`;

/** `memsync ...args` with its stdio on a pseudo-terminal; the output is what the terminal got. */
async function inTerminal(args: string[]): Promise<LiveCli> {
  const command = [process.execPath, await cliPath(), ...args].map(quote).join(' ');
  const child = spawn('script', ['-qefc', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  if (child.pid) appendFileSync(join(RUN_DIR, 'pids.txt'), `${child.pid}\n`);
  return new LiveCli(child);
}

describe('memsync CLI in a terminal', () => {
  let cluster: Cluster;
  let host: Worker;
  const live: LiveCli[] = [];

  beforeAll(async () => {
    cluster = new Cluster();
    host = (await cluster.start({}, { config: { mode: 'fast' } })).worker;
  });
  afterAll(async () => {
    for (const cli of live) cli.stop();
    await cluster?.[Symbol.asyncDispose]();
  });

  it('ls and status print tables', async () => {
    const ls = await inTerminal(['ls', '--dir', cluster.dir]);
    live.push(ls);
    const listed = await ls.exited();
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^NAME +STATE +SOCKET\r?\n/);
    expect(listed.stdout).toContain(`${cluster.name}  live`);
    const status = await inTerminal(['status', cluster.name, '--dir', cluster.dir]);
    live.push(status);
    const shown = await status.exited();
    const { id } = await host.call<WorkerStatus>('status');
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^host +${id}\\r?$`, 'm'));
    expect(shown.stdout).toMatch(new RegExp(`^${id} +host +${host.pid} +no\\r?$`, 'm'));
  });

  it('watch redraws the whole view when another process changes the value', async () => {
    const watch = await inTerminal(['watch', cluster.name, 'config', '--count', '1', '--dir', cluster.dir]);
    live.push(watch);
    await watch.until((w) => w.stdout.includes('current state'), 20_000, 'the first view');
    expect(watch.stdout).toContain('\x1b[2J\x1b[H');
    const { id } = await host.call<WorkerStatus>('status');
    const result = await host.call<{ version: number }>('patch', { update: { $set: { 'config.mode': 'seen-in-a-terminal' } } });
    const done = await watch.exited();
    expect(done.code).toBe(0);
    const last = done.stdout.slice(done.stdout.lastIndexOf('\x1b[2J\x1b[H'));
    expect(last).toContain(`memsync watch ${cluster.name} config · version ${result.version} · changed by ${id} at `);
    expect(last).toContain('"mode": "seen-in-a-terminal"');
  });
});
