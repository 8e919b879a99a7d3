import { caller, withGroup } from '../lib/child.js';
import { makeFigure, ratioGoal } from '../lib/figures.js';
import { quantile } from '../lib/stats.js';
import type { RelayCommand, RelayResults } from '../relay/relay-commands.js';
import type { MemsyncCommand, MemsyncResults } from '../workers/memsync-commands.js';
import type { Scenario, ScenarioContext } from './types.js';

interface Rounds {
  rounds: number;
  warmup: number;
  /** Measured passes over the same processes, one per run. */
  runs: number;
}

/** Microseconds per round trip, one array per run. */
async function passes(r: Rounds, ping: (rounds: number, warmup: number) => Promise<number[]>): Promise<number[][]> {
  const out: number[][] = [];
  for (let run = 0; run < r.runs; run++) out.push(await ping(r.rounds, run === 0 ? r.warmup : 0));
  return out;
}

/** A sets `ping`; B observes it and sets `pong`; A observes `pong`. Microseconds per round. */
function memsyncRoundTrips(context: ScenarioContext, r: Rounds): Promise<number[][]> {
  return withGroup('rtt-memsync', context.spawn, async (group) => {
    const mesh = { name: 'rtt', dir: group.dir };
    const start = async (label: string, clientOnly: boolean) => {
      const call = caller<MemsyncCommand, MemsyncResults>(
        await group.spawn(context.workers.memsync, label),
      );
      await call({ cmd: 'start', ...mesh, clientOnly });
      return call;
    };
    await start('host', false);
    const [a, b] = await Promise.all([start('a', true), start('b', true)]);
    await b!({ cmd: 'pong' });
    return passes(r, (rounds, warmup) => a!({ cmd: 'ping', rounds, warmup }, 60_000));
  });
}

function relayRoundTrips(context: ScenarioContext, r: Rounds): Promise<number[][]> {
  return withGroup('rtt-relay', context.spawn, async (group) => {
    const path = `${group.dir}/relay.sock`;
    const start = async (label: string) =>
      caller<RelayCommand, RelayResults>(await group.spawn(context.workers.relay, label));
    const host = await start('host');
    await host({ cmd: 'host', path });
    const [a, b] = await Promise.all([start('a'), start('b')]);
    await Promise.all([a({ cmd: 'connect', path }), b({ cmd: 'connect', path })]);
    await b({ cmd: 'pong' });
    return passes(r, (rounds, warmup) => a({ cmd: 'ping', rounds, warmup }, 60_000));
  });
}

export const roundTrip: Scenario = {
  id: 'rtt',
  title: 'Round trip: A -> host -> B -> host -> A',
  async run(context) {
    const r = { rounds: context.quick ? 300 : 2000, warmup: context.quick ? 300 : 1000, runs: context.runs };
    const relay = await relayRoundTrips(context, r);
    const memsync = await memsyncRoundTrips(context, r);
    const p50 = { memsync: memsync.map((run) => quantile(run, 0.5)), relay: relay.map((run) => quantile(run, 0.5)) };
    const p99 = { memsync: memsync.map((run) => quantile(run, 0.99)), relay: relay.map((run) => quantile(run, 0.99)) };
    context.log(`rtt p50: memsync ${p50.memsync.map((v) => v.toFixed(0)).join(', ')} us; relay ${p50.relay.map((v) => v.toFixed(0)).join(', ')} us`);
    const note = `${r.rounds} rounds per run`;
    const median = makeFigure('rtt.p50', 'round trip, p50', 'us', p50.memsync, { baseline: p50.relay, note });
    median.goal = ratioGoal(median, 2, 'atMost');
    const tail = makeFigure('rtt.p99', 'round trip, p99', 'us', p99.memsync, { baseline: p99.relay, note });
    return {
      figures: [median, tail],
      reading:
        'Latency: four socket hops and four event-loop wake-ups in three processes, as for the ' +
        'relay, plus the CPU work each memsync hop does on the critical path (the writer\'s ' +
        'validation and optimistic apply, the host\'s checks, apply and encode, the reader\'s ' +
        'checks, apply and observer dispatch). The p99 is scheduling: three processes on two ' +
        'cores, with whatever else the machine runs.',
    };
  },
};
