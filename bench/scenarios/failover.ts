import { type Child, caller, type ProcessGroup, withGroup } from '../lib/child.js';
import { wallNow } from '../lib/clock.js';
import { pooledFigure, valueGoal } from '../lib/figures.js';
import { maxOf, quantile } from '../lib/stats.js';
import type { MemsyncCommand, MemsyncResults } from '../workers/memsync-commands.js';
import type { WorkerEvent } from '../workers/protocol.js';
import type { Scenario, ScenarioContext } from './types.js';

/** Processes in the mesh: five that may host, and one clientOnly writer. */
const ELECTABLE = 5;

interface Failover {
  /** Kill -> the first survivor's `role: electing` event: the loss is noticed. */
  noticed: number;
  /** Kill -> the first survivor's `role: host` event. */
  newHost: number;
  /** Kill -> the last survivor's `role: client` event: everyone is back in sync. */
  allBack: number;
  /** Kill -> the writer's `role: client` event (it reached the new host and is in sync). */
  rejoined: number;
  /** Kill -> acknowledgement of the first patch the writer issued after the kill. */
  firstAck: number;
}

const call = (child: Child) => caller<MemsyncCommand, MemsyncResults>(child);

/** Resolves once every live process is host or client and the host counts them all. */
async function settled(children: Child[], expected: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const statuses = await Promise.all(
      children.filter((c) => c.alive).map((c) => call(c)({ cmd: 'status' })),
    );
    const hosts = statuses.filter((s) => s.role === 'host');
    if (
      hosts.length === 1 &&
      hosts[0]!.peers === expected &&
      statuses.every((s) => s.role === 'host' || s.role === 'client')
    ) {
      return;
    }
    if (Date.now() > deadline) throw new Error(`mesh not settled: ${JSON.stringify(statuses)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The first of `children` to report a matching event, and the event. */
async function firstEvent(
  children: Child[],
  match: (e: WorkerEvent) => boolean,
  what: string,
): Promise<{ child: Child; event: WorkerEvent }> {
  return Promise.any(children.map(async (child) => ({ child, event: await child.waitFor(match, 20_000, what) })));
}

async function killHosts(
  context: ScenarioContext,
  group: ProcessGroup,
  kills: number,
): Promise<Failover[]> {
  const mesh = { name: 'failover', dir: group.dir };
  let serial = 0;
  const electable = async (): Promise<Child> => {
    const child = await group.spawn(context.workers.memsync, `node-${serial++}`);
    await call(child)({ cmd: 'start', ...mesh });
    return child;
  };
  const nodes = [await electable()];
  nodes.push(...(await Promise.all(Array.from({ length: ELECTABLE - 1 }, electable))));
  const writer = await group.spawn(context.workers.memsync, 'writer');
  await call(writer)({ cmd: 'start', ...mesh, clientOnly: true });
  await call(writer)({ cmd: 'stream' });
  const results: Failover[] = [];
  for (let k = 0; k < kills; k++) {
    const everyone = [...nodes, writer];
    await settled(everyone, ELECTABLE + 1);
    const roles = await Promise.all(nodes.map((n) => call(n)({ cmd: 'status' })));
    const host = nodes[roles.findIndex((s) => s.role === 'host')]!;
    const survivors = nodes.filter((n) => n !== host);
    const killedAt = wallNow();
    await host.kill();
    const after = (e: WorkerEvent): boolean => e.event === 'role' && (e.at ?? 0) > killedAt;
    const back = (child: Child) => child.waitFor((e) => after(e) && e.role === 'client', 20_000, 'rejoining');
    const [noticed, elected, rejoined, ack] = await Promise.all([
      firstEvent([...survivors, writer], (e) => after(e) && e.role === 'electing', 'election'),
      firstEvent(survivors, (e) => after(e) && e.role === 'host', 'new host'),
      back(writer),
      call(writer)({ cmd: 'ackAfter', at: killedAt }, 40_000),
    ]);
    const others = await Promise.all(survivors.filter((n) => n !== elected.child).map(back));
    results.push({
      noticed: noticed.event.at! - killedAt,
      newHost: elected.event.at! - killedAt,
      allBack: Math.max(rejoined.at!, ...others.map((e) => e.at!)) - killedAt,
      rejoined: rejoined.at! - killedAt,
      firstAck: ack.acked - killedAt,
    });
    context.log(
      `failover ${results.length}: new host ${results.at(-1)!.newHost.toFixed(1)} ms, first ack ${results.at(-1)!.firstAck.toFixed(1)} ms`,
    );
    // Back to six before the next kill.
    nodes.splice(nodes.indexOf(host), 1);
    nodes.push(await electable());
  }
  return results;
}

/**
 * SIGKILL the host among six processes, again and again; measure from the kill to a new
 * host, and to the first acknowledged write a continuous writer issued after the kill.
 * Percentiles are taken over every kill of every run (too few kills per run for a p99).
 */
export const failover: Scenario = {
  id: 'failover',
  title: 'Failover: SIGKILL the host among six processes',
  async run(context) {
    const killsPerRun = 5;
    const meshes = context.quick ? 1 : context.runs;
    const all: Failover[] = [];
    for (let run = 1; run <= meshes; run++) {
      all.push(
        ...(await withGroup(`failover-${run}`, context.spawn, (group) =>
          killHosts(context, group, killsPerRun),
        )),
      );
    }
    const pool = (pick: (f: Failover) => number): number[] => all.map(pick);
    const note = `${all.length} kills`;
    const percentile = (id: string, label: string, samples: number[], q: number | 'max') =>
      pooledFigure(
        id,
        label,
        'ms',
        samples,
        q === 'max' ? maxOf(samples) : quantile(samples, q),
        note,
      );
    const host = pool((f) => f.newHost);
    const rejoin = pool((f) => f.rejoined);
    const allBack = pool((f) => f.allBack);
    const ack = pool((f) => f.firstAck);
    const ackP50 = percentile(
      'failover.ack.p50',
      'kill -> first ack of a write issued after it, p50',
      ack,
      0.5,
    );
    ackP50.goal = valueGoal(ackP50.value.median, 20, 'atMost', 'ms');
    const ackP99 = percentile('failover.ack.p99', 'kill -> first ack, p99', ack, 0.99);
    ackP99.goal = valueGoal(ackP99.value.median, 100, 'atMost', 'ms');
    const figures = [
      percentile('failover.noticed.p50', 'kill -> first survivor electing, p50', pool((f) => f.noticed), 0.5),
      percentile('failover.host.p50', 'kill -> new host (its role event), p50', host, 0.5),
      percentile('failover.host.p99', 'kill -> new host, p99', host, 0.99),
      percentile('failover.allBack.p50', 'kill -> every survivor in sync with the new host, p50', allBack, 0.5),
      percentile(
        'failover.rejoin.p50',
        'kill -> writer (clientOnly) in sync with the new host, p50',
        rejoin,
        0.5,
      ),
      ackP50,
      ackP99,
      percentile('failover.ack.max', 'kill -> first ack, max', ack, 'max'),
    ];
    return {
      figures,
      details: [
        `Percentiles over ${all.length} kills in ${meshes} meshes; the spread is the fastest and the slowest kill.`,
        `First ack per kill (ms): ${all.map((f) => f.firstAck.toFixed(1)).join(', ')}.`,
      ],
      reading:
        'Three phases, in the figures above. The kernel closes a killed process\'s sockets while ' +
        'tearing it down (noticed). The survivors race for the address, each through several ' +
        'filesystem steps (probe the dead socket, take the guard, probe again, unlink, bind a ' +
        'private name, link it) after up to 3 ms of jitter (new host); the losers retry when the ' +
        'socket directory says the name changed, not after a blind backoff. The new host then ' +
        'waits for every previous member to reconnect before it orders anything, so the first ' +
        'acknowledgement comes once the last survivor is back.',
    };
  },
};
