/**
 * Messaging (events, RPC, locks) beside the bare relay in the same run. A lock acquire +
 * release from a client is two trips to the host and back (four socket hops), an RPC call is
 * caller -> host -> handler -> host -> caller (four hops): both beside the relay's round trip
 * A -> host -> B -> host -> A. Events: emitter -> host -> receiver, beside the relay's
 * writer -> host -> reader at 256 patches in flight.
 */
import { type Child, type ProcessGroup, caller, withGroup } from '../lib/child.js';
import { type Figure, makeFigure } from '../lib/figures.js';
import { quantile } from '../lib/stats.js';
import type { RelayCommand, RelayResults } from '../relay/relay-commands.js';
import type { MemsyncCommand, MemsyncResults } from '../workers/memsync-commands.js';
import type { Scenario, ScenarioContext } from './types.js';

type Memsync = ReturnType<typeof caller<MemsyncCommand, MemsyncResults>>;
type Relay = ReturnType<typeof caller<RelayCommand, RelayResults>>;

async function memsyncTrio(context: ScenarioContext, group: ProcessGroup) {
  const children: Child[] = [];
  const start = async (label: string, clientOnly: boolean): Promise<Memsync> => {
    const child = await group.spawn(context.workers.memsync, label);
    children.push(child);
    const call = caller<MemsyncCommand, MemsyncResults>(child);
    await call({ cmd: 'start', name: 'messaging', dir: group.dir, clientOnly });
    return call;
  };
  const host = await start('host', false);
  const a = await start('a', true);
  const b = await start('b', true);
  return { host, a, b, bChild: children[2]! };
}

async function relayTrio(context: ScenarioContext, group: ProcessGroup) {
  const path = `${group.dir}/relay.sock`;
  const children: Child[] = [];
  const start = async (label: string): Promise<Relay> => {
    const child = await group.spawn(context.workers.relay, label);
    children.push(child);
    return caller<RelayCommand, RelayResults>(child);
  };
  const host = await start('host');
  await host({ cmd: 'host', path });
  const a = await start('a');
  const b = await start('b');
  await Promise.all([a({ cmd: 'connect', path }), b({ cmd: 'connect', path })]);
  return { a, b, bChild: children[2]! };
}

/** Messages per second between the first and the last arrival of the run's `counted` event. */
async function countedRate(child: Child, run: number, count: number): Promise<number> {
  const nth = (): Array<Record<string, unknown>> => child.events.filter((e) => e.event === 'counted');
  await child.waitFor(() => nth().length > run, 60_000, `counted #${run}`);
  const event = nth()[run]!;
  return (count - 1) / (((event.lastAt as number) - (event.firstAt as number)) / 1000);
}

export const messaging: Scenario = {
  id: 'messaging',
  title: 'Messaging: lock, RPC and events beside the relay',
  async run(context) {
    const rounds = context.quick ? 300 : 2000;
    const warmup = context.quick ? 200 : 500;
    const events = context.quick ? 20_000 : 100_000;
    const lock: number[][] = [];
    const rpc: number[][] = [];
    const relayRtt: number[][] = [];
    const eventRate: number[] = [];
    const relayRate: number[] = [];
    await withGroup('messaging-memsync', context.spawn, (mg) =>
      withGroup('messaging-relay', context.spawn, async (rg) => {
        const m = await memsyncTrio(context, mg);
        const r = await relayTrio(context, rg);
        await m.b({ cmd: 'serveEcho' });
        await r.b({ cmd: 'pong' });
        await m.a({ cmd: 'lockRounds', rounds: 0, warmup });
        await m.a({ cmd: 'callRounds', rounds: 0, warmup });
        await r.a({ cmd: 'ping', rounds: 0, warmup });
        for (let run = 0; run < context.runs; run++) {
          lock.push(await m.a({ cmd: 'lockRounds', rounds, warmup: 0 }, 60_000));
          rpc.push(await m.a({ cmd: 'callRounds', rounds, warmup: 0 }, 60_000));
          relayRtt.push(await r.a({ cmd: 'ping', rounds, warmup: 0 }, 60_000));
          await m.b({ cmd: 'countEvents', target: events });
          await m.a({ cmd: 'emitEvents', count: events, batch: 256 }, 60_000);
          eventRate.push(await countedRate(m.bChild, run, events));
          await r.b({ cmd: 'count', key: `run${run}`, target: events });
          await r.a({ cmd: 'write', count: events, window: 256 }, 60_000);
          relayRate.push(await countedRate(r.bChild, run, events));
        }
      }),
    );
    const p50 = (runs: number[][]): number[] => runs.map((run) => quantile(run, 0.5));
    context.log(`lock p50: ${p50(lock).map((v) => v.toFixed(0)).join(', ')} us; rpc p50: ${p50(rpc).map((v) => v.toFixed(0)).join(', ')} us; relay rtt p50: ${p50(relayRtt).map((v) => v.toFixed(0)).join(', ')} us`);
    context.log(`events: ${eventRate.map((v) => v.toFixed(0)).join(', ')} /s; relay: ${relayRate.map((v) => v.toFixed(0)).join(', ')} /s`);
    const note = `${rounds} rounds per run, from a clientOnly process`;
    const figures: Figure[] = [
      makeFigure('lock.p50', 'lock acquire + release, p50', 'us', p50(lock), { baseline: p50(relayRtt), note }),
      makeFigure('rpc.p50', 'RPC call, caller -> host -> handler and back, p50', 'us', p50(rpc), { baseline: p50(relayRtt), note }),
      makeFigure('events.throughput', 'events, emitter -> host -> receiver', 'events/s', eventRate, {
        baseline: relayRate,
        note: `${events.toLocaleString('en-US')} events per run; relay: patches, 256 in flight`,
      }),
    ];
    return {
      figures,
      reading:
        'A lock acquire + release is two ordered entries (acquire, release), each a trip to the ' +
        'host and back, so it costs about two patch round trips; an RPC call is four socket hops ' +
        'like the relay round trip, with a schema check and a JSON value check at each hop. ' +
        'Events are relayed by the host without entering the log; a receiver checks each ' +
        'payload like a patch value.',
    };
  },
};
