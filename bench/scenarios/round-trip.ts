import { type ProcessGroup, caller, withGroup } from '../lib/child.js';
import { type Figure, makeFigure, ratioGoal } from '../lib/figures.js';
import { quantile } from '../lib/stats.js';
import type { RedisCommand, RedisResults } from '../redis/redis-commands.js';
import { startRedisServer } from '../redis/server.js';
import type { RelayCommand, RelayResults } from '../relay/relay-commands.js';
import type { MemsyncCommand, MemsyncResults } from '../workers/memsync-commands.js';
import type { System } from './mesh-flow.js';
import { systemsOf } from './throughput.js';
import type { Scenario, ScenarioContext } from './types.js';

/** `rounds` round trips after `warmup` unmeasured ones; microseconds per round. */
type Ping = (rounds: number, warmup: number) => Promise<number[]>;

/**
 * A sets `ping`; B observes it and sets `pong`; A observes `pong`. `hostIsA`: A is the host
 * itself (the app's primary process talking to a worker), so each round is two socket hops
 * (host A -> B, B -> host A) instead of four through a host of its own.
 */
async function memsyncPair(context: ScenarioContext, group: ProcessGroup, hostIsA = false): Promise<Ping> {
  const mesh = { name: 'rtt', dir: group.dir };
  const start = async (label: string, clientOnly: boolean) => {
    const call = caller<MemsyncCommand, MemsyncResults>(await group.spawn(context.workers.memsync, label));
    await call({ cmd: 'start', ...mesh, clientOnly });
    return call;
  };
  const host = await start(hostIsA ? 'a (host)' : 'host', false);
  const a = hostIsA ? host : await start('a', true);
  const b = await start('b', true);
  await b({ cmd: 'pong' });
  return (rounds, warmup) => a({ cmd: 'ping', rounds, warmup }, 60_000);
}

async function relayPair(context: ScenarioContext, group: ProcessGroup): Promise<Ping> {
  const path = `${group.dir}/relay.sock`;
  const start = async (label: string) => caller<RelayCommand, RelayResults>(await group.spawn(context.workers.relay, label));
  const host = await start('host');
  await host({ cmd: 'host', path });
  const [a, b] = await Promise.all([start('a'), start('b')]);
  await Promise.all([a({ cmd: 'connect', path }), b({ cmd: 'connect', path })]);
  await b({ cmd: 'pong' });
  return (rounds, warmup) => a({ cmd: 'ping', rounds, warmup }, 60_000);
}

/** A runs HSET+PUBLISH of `ping`; B, subscribed, answers with `pong`; A sees it published. */
async function redisPair(context: ScenarioContext, group: ProcessGroup): Promise<Ping> {
  const server = await startRedisServer();
  group.onClose(server.stop);
  const start = async (label: string) => {
    const call = caller<RedisCommand, RedisResults>(await group.spawn(context.workers.redis, label));
    // No auto-pipelining: one command at a time, and it would add a setImmediate hop to each.
    await call({ cmd: 'connect', path: server.socket, pipeline: false });
    return call;
  };
  const [a, b] = await Promise.all([start('a'), start('b')]);
  await b({ cmd: 'pong' });
  return (rounds, warmup) => a({ cmd: 'ping', rounds, warmup }, 60_000);
}

/** `memsync-host`: memsync with A the host (see memsyncPair). */
type Pair = System | 'memsync-host';

const PAIRS: Record<Pair, (context: ScenarioContext, group: ProcessGroup) => Promise<Ping>> = {
  memsync: (context, group) => memsyncPair(context, group),
  'memsync-host': (context, group) => memsyncPair(context, group, true),
  relay: relayPair,
  redis: redisPair,
};

/** Every system's pair alive at once, in a group of its own each. */
function withPairs<R>(context: ScenarioContext, systems: readonly Pair[], body: (pings: Map<Pair, Ping>) => Promise<R>, pings = new Map<Pair, Ping>()): Promise<R> {
  const [system, ...rest] = systems;
  if (system === undefined) return body(pings);
  return withGroup(`rtt-${system}`, context.spawn, async (group) =>
    withPairs(context, rest, body, pings.set(system, await PAIRS[system](context, group))),
  );
}

export const roundTrip: Scenario = {
  id: 'rtt',
  title: 'Round trip: A -> host -> B -> host -> A',
  async run(context) {
    const rounds = context.quick ? 300 : 2000;
    // The same warm-up in both modes: with 300 unmeasured rounds (quick mode until
    // 2026-12-03) the three quick runs fell 588 -> 421 -> 307 us while the code was still
    // being compiled, and the quick p50 read twice the steady state's.
    const warmup = 1500;
    const systems: Pair[] = [...systemsOf(context), 'memsync-host'];
    /** Microseconds per round trip, one array per run; the passes alternate between systems. */
    const runs = new Map<Pair, number[][]>(systems.map((s) => [s, []]));
    await withPairs(context, systems, async (pings) => {
      for (const ping of pings.values()) await ping(0, warmup);
      for (let run = 0; run < context.runs; run++) {
        for (const [system, ping] of pings) runs.get(system)!.push(await ping(rounds, 0));
      }
    });
    const at = (system: Pair, q: number): number[] => runs.get(system)!.map((run) => quantile(run, q));
    for (const system of systems) context.log(`rtt p50 ${system}: ${at(system, 0.5).map((v) => v.toFixed(0)).join(', ')} us`);
    const note = `${rounds} rounds per run`;
    const median = makeFigure('rtt.p50', 'round trip, p50', 'us', at('memsync', 0.5), { baseline: at('relay', 0.5), note });
    median.goal = ratioGoal(median, 2, 'atMost');
    const tail = makeFigure('rtt.p99', 'round trip, p99', 'us', at('memsync', 0.99), { baseline: at('relay', 0.99), note });
    const figures: Figure[] = [median, tail];
    if (context.redis) {
      const versus = makeFigure('rtt.redis.p50', 'round trip, p50, vs Redis (HSET+PUBLISH script, subscriber answers)', 'us', at('memsync', 0.5), {
        baseline: at('redis', 0.5),
        baselineName: 'Redis',
        note,
      });
      versus.goal = ratioGoal(versus, 1.5, 'atMost');
      const versusTail = makeFigure('rtt.redis.p99', 'round trip, p99, vs Redis', 'us', at('memsync', 0.99), {
        baseline: at('redis', 0.99),
        baselineName: 'Redis',
        note,
      });
      figures.push(versus, versusTail);
      const hostNote = `${note}; A is the host: two socket hops a round, Redis four`;
      const hostVersus = makeFigure('rtt.host.redis.p50', 'round trip, p50, A the host, vs Redis', 'us', at('memsync-host', 0.5), {
        baseline: at('redis', 0.5),
        baselineName: 'Redis',
        note: hostNote,
      });
      const hostTail = makeFigure('rtt.host.redis.p99', 'round trip, p99, A the host, vs Redis', 'us', at('memsync-host', 0.99), {
        baseline: at('redis', 0.99),
        baselineName: 'Redis',
        note: hostNote,
      });
      figures.push(hostVersus, hostTail);
    }
    return {
      figures,
      reading:
        'Latency: four socket hops and four event-loop wake-ups in three processes, as for the ' +
        'relay, plus the CPU work each memsync hop does on the critical path (the writer\'s ' +
        'validation and optimistic apply, the host\'s checks, apply and encode, the reader\'s ' +
        'checks, apply and observer dispatch). The p99 is scheduling: three processes on two ' +
        'cores, with whatever else the machine runs. Redis: A -> redis-server -> B -> ' +
        'redis-server -> A, the same four hops, with one C process in the middle. The passes ' +
        'alternate between the systems, so a drift in the machine\'s load falls on all alike. ' +
        'A memsync connection that is idle writes a lone frame at once instead of at the end ' +
        'of the tick (frames of a busy stretch still batch); the relay still writes every frame ' +
        'in the check phase, as memsync did before, which costs it a little on each hop. ' +
        'Every pair first runs 1,500 unmeasured rounds: with fewer, the code of each memsync ' +
        'stop is still being compiled and the p50 reads up to twice the steady state\'s (quick ' +
        'runs with 300 warm-up rounds, before 2026-12-03, put it at ~3x Redis where it is ~1.5x). ' +
        'What is left against the relay is the CPU each memsync stop spends on one message ' +
        '(decode and checks, admission, apply, encode, observers), on a path that runs once per ' +
        'hop instead of in a hot loop.',
    };
  },
};
