/**
 * The flow behind the throughput and fan-out scenarios: one writer, one host, readers; the
 * writer sends `$inc` patches with a window in flight, each awaited; every reader times
 * from the first change it sees to the last. Run over memsync and over the bare relay with
 * the same processes and the same hops.
 */
import { type Child, caller, type ProcessGroup, withGroup } from '../lib/child.js';
import type { RelayCommand, RelayResults } from '../relay/relay-commands.js';
import type { CountedEvent, MemsyncCommand, MemsyncResults } from '../workers/memsync-commands.js';
import type { ScenarioContext } from './types.js';

export interface FlowOptions {
  /** Processes in all, the host included: the host, one writer, and `processes - 2` readers. */
  processes: number;
  patches: number;
  window: number;
}

/** Patches per second seen by each reading process: the host first, then the clients. */
export interface FlowResult {
  host: number;
  clients: number[];
}

const rateOf = (e: CountedEvent): number =>
  ((e.lastValue - e.firstValue) / (e.lastAt - e.firstAt)) * 1000;

async function countedBy(child: Child, timeoutMs: number): Promise<number> {
  const event = await child.waitFor((e) => e.event === 'counted', timeoutMs, 'count to the target');
  return rateOf(event as unknown as CountedEvent);
}

/** Generous: a stuck run fails instead of hanging, but a slow machine still finishes. */
const deadlineFor = (patches: number): number => 30_000 + patches;

/** memsync: the host is a full replica (observing like the readers); writer and readers are clientOnly. */
export function memsyncFlow(context: ScenarioContext, options: FlowOptions): Promise<FlowResult> {
  return withGroup(`memsync-${options.processes}`, context.spawn, async (group) => {
    const mesh = { name: 'flow', dir: group.dir };
    const spawn = async (label: string, clientOnly: boolean) => {
      const child = await group.spawn(context.workers.memsync, label);
      const call = caller<MemsyncCommand, MemsyncResults>(child);
      await call({ cmd: 'start', ...mesh, clientOnly });
      return { child, call };
    };
    const host = await spawn('host', false);
    const clients = await spawnAll(options.processes - 1, (i) =>
      spawn(i === 0 ? 'writer' : `reader-${i}`, true),
    );
    const [writer, ...readers] = clients;
    const counting = [host, ...readers];
    for (const r of counting) await r.call({ cmd: 'count', path: 'n', target: options.patches });
    const rates = counting.map((r) => countedBy(r.child, deadlineFor(options.patches)));
    await writer!.call(
      { cmd: 'write', path: 'n', count: options.patches, window: options.window },
      deadlineFor(options.patches),
    );
    const [hostRate, ...clientRates] = await Promise.all(rates);
    return { host: hostRate!, clients: clientRates };
  });
}

/** The relay with the same process layout: its host relays and counts, its readers count. */
export function relayFlow(context: ScenarioContext, options: FlowOptions): Promise<FlowResult> {
  return withGroup(`relay-${options.processes}`, context.spawn, async (group: ProcessGroup) => {
    const path = `${group.dir}/relay.sock`;
    const spawn = async (label: string) => {
      const child = await group.spawn(context.workers.relay, label);
      return { child, call: caller<RelayCommand, RelayResults>(child) };
    };
    const host = await spawn('host');
    await host.call({ cmd: 'host', path });
    const clients = await spawnAll(options.processes - 1, async (i) => {
      const client = await spawn(i === 0 ? 'writer' : `reader-${i}`);
      await client.call({ cmd: 'connect', path });
      return client;
    });
    const [writer, ...readers] = clients;
    const counting = [host, ...readers];
    for (const r of counting) await r.call({ cmd: 'count', target: options.patches });
    const rates = counting.map((r) => countedBy(r.child, deadlineFor(options.patches)));
    await writer!.call(
      { cmd: 'write', count: options.patches, window: options.window },
      deadlineFor(options.patches),
    );
    const [hostRate, ...clientRates] = await Promise.all(rates);
    return { host: hostRate!, clients: clientRates };
  });
}

/** Starts `count` processes at once (they are independent), in a stable order. */
function spawnAll<T>(count: number, make: (index: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => make(i)));
}
