import { type Child, caller, type ProcessGroup, withGroup } from '../lib/child.js';
import { wallNow } from '../lib/clock.js';
import { pooledFigure } from '../lib/figures.js';
import { maxOf, quantile } from '../lib/stats.js';
import type { MemsyncCommand, MemsyncResults } from '../workers/memsync-commands.js';
import type { WorkerEvent } from '../workers/protocol.js';
import type { Scenario, ScenarioContext } from './types.js';

/** Processes that may host; a clientOnly writer streams patches beside them. */
const ELECTABLE = 3;

interface Freeze {
  /** SIGSTOP -> the first survivor's `role: host` event. */
  newHost: number;
  /** SIGSTOP -> acknowledgement of the first patch the writer issued after it. */
  firstAck: number;
}

const call = (child: Child) => caller<MemsyncCommand, MemsyncResults>(child);

async function settled(children: Child[]): Promise<Child> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const statuses = await Promise.all(children.map((c) => call(c)({ cmd: 'status' })));
    const hosts = statuses.filter((s) => s.role === 'host');
    if (hosts.length === 1 && hosts[0]!.peers === children.length && statuses.every((s) => s.role === 'host' || s.role === 'client')) {
      return children[statuses.findIndex((s) => s.role === 'host')]!;
    }
    if (Date.now() > deadline) throw new Error(`mesh not settled: ${JSON.stringify(statuses)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function freezeHosts(context: ScenarioContext, group: ProcessGroup, freezes: number): Promise<Freeze[]> {
  const mesh = { name: 'frozen', dir: group.dir };
  const nodes: Child[] = [];
  for (let i = 0; i < ELECTABLE; i++) {
    const child = await group.spawn(context.workers.memsync, `node-${i}`);
    await call(child)({ cmd: 'start', ...mesh });
    nodes.push(child);
  }
  const writer = await group.spawn(context.workers.memsync, 'writer');
  await call(writer)({ cmd: 'start', ...mesh, clientOnly: true });
  await call(writer)({ cmd: 'stream' });
  const results: Freeze[] = [];
  for (let k = 0; k < freezes; k++) {
    const host = await settled([...nodes, writer]);
    const survivors = nodes.filter((n) => n !== host);
    const stoppedAt = wallNow();
    host.signal('SIGSTOP');
    const after = (e: WorkerEvent): boolean => e.event === 'role' && (e.at ?? 0) > stoppedAt;
    try {
      const [elected, ack] = await Promise.all([
        Promise.any(survivors.map((c) => c.waitFor((e) => after(e) && e.role === 'host', 30_000, 'new host'))),
        call(writer)({ cmd: 'ackAfter', at: stoppedAt }, 40_000),
      ]);
      results.push({ newHost: elected.at! - stoppedAt, firstAck: ack.acked - stoppedAt });
    } finally {
      host.signal('SIGCONT');
    }
    context.log(`freeze ${results.length}: new host ${results.at(-1)!.newHost.toFixed(0)} ms, first ack ${results.at(-1)!.firstAck.toFixed(0)} ms`);
  }
  return results;
}

/**
 * SIGSTOP the host among four processes (default hostTimeout, 2000 ms), again and again;
 * measure from the stop to a new host and to the first acknowledged write a continuous
 * writer issued after it. The old host is woken once the new one serves, and rejoins.
 */
export const frozenHost: Scenario = {
  id: 'frozen',
  title: 'Frozen host: SIGSTOP the host among four processes (hostTimeout 2000 ms)',
  async run(context) {
    const freezes = context.quick ? 5 : 20;
    const all = await withGroup('frozen', context.spawn, (group) => freezeHosts(context, group, freezes));
    const note = `${all.length} freezes`;
    const figure = (id: string, label: string, samples: number[], q: number | 'max') =>
      pooledFigure(id, label, 'ms', samples, q === 'max' ? maxOf(samples) : quantile(samples, q), note);
    const host = all.map((f) => f.newHost);
    const ack = all.map((f) => f.firstAck);
    return {
      figures: [
        figure('frozen.host.p50', 'stop -> new host, p50', host, 0.5),
        figure('frozen.ack.p50', 'stop -> first ack of a write issued after it, p50', ack, 0.5),
        figure('frozen.ack.max', 'stop -> first ack, max', ack, 'max'),
      ],
      details: [`First ack per freeze (ms): ${ack.map((v) => v.toFixed(0)).join(', ')}.`],
      reading:
        'A frozen host still accepts connections (its kernel does), so only silence deposes it: ' +
        'hostTimeout with no heartbeat, then the usual takeover and gather. The figures sit just ' +
        'above hostTimeout; the rest is the failover of a killed host.',
    };
  },
};
