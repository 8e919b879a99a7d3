/**
 * Many machines: memsync with the Redis backplane, a writer on machine A and a reader on
 * machine B (each its own socket directory, so each its own local host: here the machine's
 * only process), against the same redis-server used directly (atomic HINCRBY+PUBLISH script
 * per write, one subscriber), in the same run. Throughput as the reader sees it; round trip
 * A -> Redis -> B -> Redis -> A on both.
 */
import { mkdirSync } from 'node:fs';
import { caller, type Child, type ProcessGroup, withGroup } from '../lib/child.js';
import { type Figure, makeFigure } from '../lib/figures.js';
import { quantile } from '../lib/stats.js';
import type { RedisCommand, RedisResults } from '../redis/redis-commands.js';
import { startRedisServer } from '../redis/server.js';
import type { MemsyncCommand, MemsyncResults } from '../workers/memsync-commands.js';
import { directRedisDriver, type Driver, FlowMesh, type FlowResult, measureAlternating, type System } from './mesh-flow.js';
import type { ScenarioContext, Scenario } from './types.js';

const WINDOW = 256;

async function machine(context: ScenarioContext, group: ProcessGroup, socket: string, label: string, name: string): Promise<Child> {
  const dir = `${group.dir}/${label}`;
  mkdirSync(dir, { recursive: true });
  const child = await group.spawn(context.workers.memsync, label);
  await caller<MemsyncCommand, MemsyncResults>(child)({ cmd: 'start', name, dir, redis: socket });
  return child;
}

/** The FlowMesh's "host" is machine B (the reader), its client machine A (the writer). */
function machinesDriver(context: ScenarioContext, group: ProcessGroup, socket: string): Driver {
  const call = (child: Child) => caller<MemsyncCommand, MemsyncResults>(child);
  return {
    host: () => machine(context, group, socket, 'machine-b', 'flow'),
    client: () => machine(context, group, socket, 'machine-a', 'flow'),
    count: (child, key, target) => call(child)({ cmd: 'count', path: key, target }),
    write: (writer, key, count, window, timeoutMs) => call(writer)({ cmd: 'write', path: key, count, window }, timeoutMs),
  };
}

type Ping = (rounds: number, warmup: number) => Promise<number[]>;

async function memsyncPing(context: ScenarioContext, group: ProcessGroup, socket: string): Promise<Ping> {
  const a = caller<MemsyncCommand, MemsyncResults>(await machine(context, group, socket, 'rtt-a', 'rtt'));
  const b = caller<MemsyncCommand, MemsyncResults>(await machine(context, group, socket, 'rtt-b', 'rtt'));
  await b({ cmd: 'pong' });
  return (rounds, warmup) => a({ cmd: 'ping', rounds, warmup }, 120_000);
}

async function redisPing(context: ScenarioContext, group: ProcessGroup, socket: string): Promise<Ping> {
  const start = async (label: string) => {
    const call = caller<RedisCommand, RedisResults>(await group.spawn(context.workers.redis, label));
    await call({ cmd: 'connect', path: socket, pipeline: false });
    return call;
  };
  const [a, b] = await Promise.all([start('rtt-redis-a'), start('rtt-redis-b')]);
  await b({ cmd: 'pong' });
  return (rounds, warmup) => a({ cmd: 'ping', rounds, warmup }, 120_000);
}

export const machines: Scenario = {
  id: 'machines',
  title: 'Many machines: writer on A -> Redis -> reader on B (memsync/redis vs redis-server directly)',
  async run(context) {
    if (!context.redis) return { figures: [], reading: 'Not measured: --no-redis.' };
    const seconds = context.quick ? 0.5 : 2;
    const rounds = context.quick ? 300 : 2000;
    const server = await startRedisServer();
    const flows: Partial<Record<System, FlowResult[]>> = {};
    const sizes: Partial<Record<System, number>> = {};
    const rtt: Record<'memsync' | 'redis', number[][]> = { memsync: [], redis: [] };
    try {
      await withGroup('machines', context.spawn, async (group) => {
        const meshes = new Map<System, FlowMesh>([
          ['memsync', new FlowMesh(machinesDriver(context, group, server.socket))],
          ['redis', new FlowMesh(directRedisDriver(context, group, () => server.socket, () => server.cpuMicros()))],
        ]);
        // memsync: machine B (reader) and machine A (writer); Redis: writer and subscriber.
        for (const mesh of meshes.values()) await mesh.grow(2);
        for (const [system, { results, patches }] of await measureAlternating(meshes, seconds, context.runs, WINDOW)) {
          flows[system] = results;
          sizes[system] = patches;
        }
        const pings = { memsync: await memsyncPing(context, group, server.socket), redis: await redisPing(context, group, server.socket) };
        for (const ping of Object.values(pings)) await ping(0, rounds);
        for (let run = 0; run < context.runs; run++) {
          rtt.memsync.push(await pings.memsync(rounds, 0));
          rtt.redis.push(await pings.redis(rounds, 0));
        }
      });
    } finally {
      await server.stop();
    }
    // memsync's reader is machine B, the FlowMesh's "host"; Redis's is its only client.
    const rate = (system: System): number[] =>
      (flows[system] ?? []).map((r) => (system === 'memsync' ? r.host! : r.clients[0]!));
    for (const system of ['memsync', 'redis'] as const) context.log(`machines ${system}: ${rate(system).map((r) => r.toFixed(0)).join(', ')} patches/s`);
    const at = (system: 'memsync' | 'redis', q: number): number[] => rtt[system].map((run) => quantile(run, q));
    const figures: Figure[] = [
      makeFigure('machines.throughput', `$inc across machines, ${WINDOW} in flight, vs Redis (HINCRBY+PUBLISH script)`, 'patches/s', rate('memsync'), {
        baseline: rate('redis'),
        baselineName: 'Redis',
        note: `${(sizes.memsync ?? 0).toLocaleString('en-US')} vs ${(sizes.redis ?? 0).toLocaleString('en-US')} patches per run`,
      }),
      makeFigure('machines.rtt.p50', 'round trip across machines, p50, vs Redis', 'us', at('memsync', 0.5), {
        baseline: at('redis', 0.5),
        baselineName: 'Redis',
        note: `${rounds} rounds per run`,
      }),
      makeFigure('machines.rtt.p99', 'round trip across machines, p99, vs Redis', 'us', at('memsync', 0.99), {
        baseline: at('redis', 0.99),
        baselineName: 'Redis',
        note: `${rounds} rounds per run`,
      }),
    ];
    return {
      figures,
      reading:
        'Both run on one redis-server (Unix socket, no persistence) on this machine, so the ' +
        '"machines" share its cores: the figures bound the work per patch, not a network. ' +
        'memsync: the writer\'s validation and optimistic apply, one Redis Function call per ' +
        'batch (gapless version, (peer, seq) check, XADD), and on each machine an XREAD, the ' +
        'entry\'s validation and apply; the writer\'s patch() resolves when its entry comes back ' +
        'through the stream. Redis directly: HINCRBY+PUBLISH in one script per write, a ' +
        'subscriber counting; nothing validated, ordered or kept per writer.',
    };
  },
};
