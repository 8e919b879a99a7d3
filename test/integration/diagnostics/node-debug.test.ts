/**
 * NODE_DEBUG=memsync in real processes: the host is SIGKILLed and the survivor's stderr
 * tells the election; a process without it prints nothing.
 */
import { fork } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Cluster, until, Worker } from '../../support/cluster.js';
import { RUN_DIR } from '../../support/run-dir.js';

/** A test worker whose stderr we keep (Cluster's workers inherit ours). */
async function workerWithStderr(env: Record<string, string | undefined>): Promise<{ worker: Worker; stderr: () => string }> {
  const child = fork(join(RUN_DIR, 'worker.mjs'), [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: { ...process.env, ...env } });
  if (child.pid) appendFileSync(join(RUN_DIR, 'pids.txt'), `${child.pid}\n`);
  let text = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  const worker = new Worker(child);
  await worker.waitForEvent((e) => e.event === 'ready', 15_000);
  return { worker, stderr: () => text };
}

describe('NODE_DEBUG=memsync', () => {
  const cluster = new Cluster();
  const workers: Worker[] = [];
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    await cluster[Symbol.asyncDispose]();
  });

  it('shows an election when the host is killed; nothing without it', async () => {
    const start = (w: Worker) => w.call('start', { name: cluster.name, defaults: { n: 0 }, options: { dir: cluster.dir } });
    const host = await workerWithStderr({ NODE_DEBUG: 'memsync' });
    const survivor = await workerWithStderr({ NODE_DEBUG: 'memsync' });
    const quiet = await workerWithStderr({ NODE_DEBUG: undefined });
    workers.push(host.worker, survivor.worker, quiet.worker);
    expect(await start(host.worker)).toBe('host');
    expect(await start(survivor.worker)).toBe('client');
    expect(await start(quiet.worker)).toBe('client');
    expect(host.stderr()).toMatch(new RegExp(`^MEMSYNC ${host.worker.pid}: \\S+ election: elected host, epoch \\d+`, 'm'));
    expect(survivor.stderr()).toMatch(/ join: joined host \S+ in epoch \d+ at version \d+$/m);

    await host.worker.kill('SIGKILL');
    // Whoever won, the survivor's log says the host was lost and how the election ended for it.
    const election = /election: host lost: .*; electing\n(?:.*\n)*?.*(?:election: elected host, epoch \d+|join: joined host \S+ in epoch \d+)/;
    await until(() => election.test(survivor.stderr()), 20_000, 'the election on stderr');
    expect(survivor.stderr()).toMatch(/role: client -> electing/);
    expect(quiet.stderr()).toBe('');
  });
});
