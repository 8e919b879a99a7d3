/**
 * The CLI in a terminal (a pseudo-terminal from util-linux's `script`): tables for ls and
 * status, watch's live view redrawn on a change another process makes, and the progress bar
 * of a join to a multi-MB state.
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
    expect(shown.stdout).toMatch(/^storage +none \(in memory only\)\r?$/m);
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

  // Last: the state it leaves is ~5 MB, which every later join in this file would receive.
  it('joining a ~5 MB state draws a progress bar of bytes received out of the total', async () => {
    // Six patches of ~820 KB each (under maxPatchBytes): 12,000 strings of 400 characters.
    for (let p = 0; p < 6; p++) {
      const chunk = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, `${p}`.repeat(400)]));
      await host.call('patch', { update: { $set: { [`big.p${p}`]: chunk } } });
    }
    const get = await inTerminal(['get', cluster.name, 'big.p5.k1999', '--dir', cluster.dir, '--timeout', '60000']);
    live.push(get);
    const done = await get.exited(60_000);
    expect(done.code).toBe(0);
    expect(done.stdout).toContain(`"${'5'.repeat(400)}"`);
    const drawn = [...done.stdout.matchAll(/receiving the state \[([#-]{30})\] +(\d+)% (\d+\.\d)\/(\d+\.\d) MB/g)];
    expect(drawn.length).toBeGreaterThan(0);
    const percents = drawn.map((m) => Number(m[2]));
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    // The total is the state's size, announced before the first part: the same on every line.
    const totals = new Set(drawn.map((m) => Number(m[4])));
    expect(totals.size).toBe(1);
    const [total] = totals;
    expect(total).toBeGreaterThan(4.5);
    expect(total).toBeLessThan(6);
    expect(done.stdout).toContain('\r\x1b[2K'); // the bar is cleared before the value is printed
  }, 90_000);
});
