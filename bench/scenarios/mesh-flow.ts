/**
 * The flow behind the throughput and fan-out scenarios: one writer, one host, readers; the
 * writer sends `$inc` patches with a window in flight, each awaited; every reader times
 * from the first change it sees to the last. The same flow runs over memsync and over the
 * bare relay, with the same processes and the same hops.
 *
 * A mesh is started once and grown in place (2 -> 4 -> 8 -> 16 processes) rather than
 * rebuilt for every run: processes are measured warm, as a long-lived application runs, and
 * the bench does not spend its time forking.
 */
import { caller, type Child, type ProcessGroup, withGroup } from '../lib/child.js';
import type { RedisCommand, RedisResults } from '../redis/redis-commands.js';
import { startRedisServer } from '../redis/server.js';
import type { RelayCommand, RelayResults } from '../relay/relay-commands.js';
import type { CountedEvent, MemsyncCommand, MemsyncResults, MeshArgs } from '../workers/memsync-commands.js';
import { type Figure, makeFigure } from '../lib/figures.js';
import { median } from '../lib/stats.js';
import type { ScenarioContext } from './types.js';

export type System = 'memsync' | 'relay' | 'redis';

/** Patches per second seen by each reading process: the host first, then the clients. */
export interface FlowResult {
  /** Undefined where the store in the middle is not a reader (redis-server). */
  host: number | undefined;
  clients: number[];
  /** CPU time (user + system) each process spent per patch during the flow, in microseconds. */
  cpu: { host: number; writer: number; readers: number[] };
}

/** The slowest reader's rate in one flow: the mesh is in sync only as fast as it. */
export function slowest(r: FlowResult): number {
  return Math.min(...(r.host === undefined ? [] : [r.host]), ...r.clients);
}

/** What differs between memsync, the relay and Redis: how a member joins, counts and writes. */
export interface Driver {
  /** The process in the middle; undefined when it is no bench worker (redis-server). */
  host(label: string): Promise<Child | undefined>;
  /** CPU microseconds used so far by the middle when it is no bench worker. */
  serverCpu?: () => number;
  client(label: string): Promise<Child>;
  /** Arms a count of `target` patches on the counter named `key`. */
  count(member: Child, key: string, target: number): Promise<unknown>;
  write(writer: Child, key: string, count: number, window: number, timeoutMs: number): Promise<unknown>;
}

function memsyncDriver(context: ScenarioContext, group: ProcessGroup, storage?: MeshArgs['storage']): Driver {
  const mesh = { name: 'flow', dir: group.dir, ...(storage ? { storage } : {}) };
  const member = async (label: string, clientOnly: boolean): Promise<Child> => {
    const child = await group.spawn(context.workers.memsync, label);
    await caller<MemsyncCommand, MemsyncResults>(child)({ cmd: 'start', ...mesh, clientOnly });
    return child;
  };
  const call = (child: Child) => caller<MemsyncCommand, MemsyncResults>(child);
  return {
    // The host is a full replica; writer and readers are clientOnly.
    host: (label) => member(label, false),
    client: (label) => member(label, true),
    count: (child, key, target) => call(child)({ cmd: 'count', path: key, target }),
    write: (writer, key, count, window, timeoutMs) => call(writer)({ cmd: 'write', path: key, count, window }, timeoutMs),
  };
}

function relayDriver(context: ScenarioContext, group: ProcessGroup): Driver {
  const path = `${group.dir}/relay.sock`;
  const call = (child: Child) => caller<RelayCommand, RelayResults>(child);
  const member = async (label: string, command: RelayCommand): Promise<Child> => {
    const child = await group.spawn(context.workers.relay, label);
    await call(child)(command);
    return child;
  };
  return {
    host: (label) => member(label, { cmd: 'host', path }),
    client: (label) => member(label, { cmd: 'connect', path }),
    // The relay has no document: its members count the patches relayed, whatever the key.
    count: (child, key, target) => call(child)({ cmd: 'count', key, target }),
    write: (writer, _key, count, window, timeoutMs) => call(writer)({ cmd: 'write', count, window }, timeoutMs),
  };
}

/**
 * Redis used directly by its clients (ioredis, pipelined): the same flow as memsync's rows.
 * `socket` and `serverCpu` are read when used, so a driver that starts its server in `host`
 * can hand them over then.
 */
export function directRedisDriver(context: ScenarioContext, group: ProcessGroup, socket: () => string, serverCpu: () => number): Driver {
  const call = (child: Child) => caller<RedisCommand, RedisResults>(child);
  return {
    host: () => Promise.resolve(undefined),
    serverCpu,
    client: async (label) => {
      const child = await group.spawn(context.workers.redis, label);
      await call(child)({ cmd: 'connect', path: socket(), pipeline: true });
      return child;
    },
    count: (child, key, target) => call(child)({ cmd: 'count', key, target }),
    write: (writer, key, count, window, timeoutMs) => call(writer)({ cmd: 'write', key, count, window }, timeoutMs),
  };
}

/** {@link directRedisDriver} on a redis-server of its own, started as the "host". */
function redisDriver(context: ScenarioContext, group: ProcessGroup, appendfsync?: 'always' | 'everysec'): Driver {
  let socket = '';
  let serverCpu = (): number => 0;
  const direct = directRedisDriver(context, group, () => socket, () => serverCpu());
  return {
    ...direct,
    host: async () => {
      const server = await startRedisServer(appendfsync ? { appendfsync } : {});
      group.onClose(server.stop);
      socket = server.socket;
      serverCpu = () => server.cpuMicros();
      return undefined;
    },
  };
}

const WARMUP_PATCHES = 3000;
const MIN_PATCHES = 2000;

/** CPU microseconds a worker has used so far (every bench worker answers `cpu`). */
const cpuTime = (child: Child): Promise<number> => child.call<number>({ cmd: 'cpu' });

const rateOf = (e: CountedEvent): number => ((e.lastValue - e.firstValue) / (e.lastAt - e.firstAt)) * 1000;

/** A running mesh: host, writer and readers; grows, and measures one flow at a time. */
export class FlowMesh {
  private host: Child | undefined;
  private started = false;
  private writer: Child | undefined;
  private readonly readers: Child[] = [];
  private flows = 0;

  constructor(private readonly driver: Driver) {}

  /** Bench processes in all, the host included (not redis-server, which is no bench worker). */
  get size(): number {
    return (this.host ? 1 : 0) + (this.writer ? 1 : 0) + this.readers.length;
  }

  /** Adds readers (or starts host and writer) until the mesh has `processes` processes. */
  async grow(processes: number): Promise<void> {
    if (!this.started) {
      this.host = await this.driver.host('host');
      this.started = true;
    }
    this.writer ??= await this.driver.client('writer');
    const more = processes - this.size;
    const first = this.readers.length + 1;
    // Independent processes: start them together.
    const added = await Promise.all(Array.from({ length: more }, (_, i) => this.driver.client(`reader-${first + i}`)));
    this.readers.push(...added);
  }

  /**
   * Warm-up flows (the JIT needs tens of thousands of patches to settle) until two in a row
   * agree within a quarter (or `maxWarmupFlows` have run); the last one sizes the measured
   * flows to about `seconds` each, so every system is measured over the same duration
   * whatever its speed. Answers that size in patches.
   */
  async warmUp(seconds: number, window: number, maxWarmupFlows = 6): Promise<number> {
    let previous = 0;
    let rate = 0;
    for (let flow = 0; flow < maxWarmupFlows; flow++) {
      const patches = Math.max(WARMUP_PATCHES, Math.round((previous * seconds) / 2000) * 1000);
      const warm = await this.measure(patches, window);
      rate = slowest(warm);
      if (previous > 0 && Math.abs(rate - previous) <= previous / 4) break;
      previous = rate;
    }
    return Math.max(MIN_PATCHES, Math.round((rate * seconds) / 1000) * 1000);
  }

  /** One flow of `patches` on a fresh counter; every reader's rate. */
  async measure(patches: number, window: number): Promise<FlowResult> {
    const key = `n${++this.flows}`;
    const counting = [...(this.host ? [this.host] : []), ...this.readers];
    for (const member of counting) await this.driver.count(member, key, patches);
    // Generous: a stuck flow fails instead of hanging, a slow machine still finishes.
    const timeoutMs = 30_000 + patches * 2;
    const rates = counting.map(async (member) => {
      const event = await member.waitFor((e) => e.event === 'counted' && e.path === key, timeoutMs, `count of ${key}`);
      return rateOf(event as unknown as CountedEvent);
    });
    const workers = [this.writer!, ...this.readers];
    // The middle's CPU: a bench worker answers `cpu`; redis-server's is read from /proc.
    const middleCpu = (): Promise<number> => (this.host ? cpuTime(this.host) : Promise.resolve(this.driver.serverCpu?.() ?? 0));
    const cpuBefore = await Promise.all([middleCpu(), ...workers.map(cpuTime)]);
    await this.driver.write(this.writer!, key, patches, window, timeoutMs);
    const seen = await Promise.all(rates);
    const cpuAfter = await Promise.all([middleCpu(), ...workers.map(cpuTime)]);
    const [hostCpu, writerCpu, ...readersCpu] = cpuAfter.map((after, i) => (after - cpuBefore[i]!) / patches);
    const host = this.host ? seen.shift() : undefined;
    return { host, clients: seen, cpu: { host: hostCpu!, writer: writerCpu!, readers: readersCpu } };
  }
}

/** Runs `body` with a mesh of `system`, always killing its processes afterwards. */
/**
 * `durability`: memsync members keep the state in a store in the group's directory
 * (`store/`) with `storage`; redis-server keeps an AOF with `appendfsync`.
 */
export function withFlowMesh<R>(
  context: ScenarioContext,
  system: System,
  body: (mesh: FlowMesh) => Promise<R>,
  durability: { storage?: Omit<NonNullable<MeshArgs['storage']>, 'path'>; appendfsync?: 'always' | 'everysec' } = {},
): Promise<R> {
  return withGroup(`flow-${system}`, context.spawn, (group) => {
    const { storage, appendfsync } = durability;
    const stored = storage ? { ...storage, path: `${group.dir}/store` } : undefined;
    const driver =
      system === 'memsync'
        ? memsyncDriver(context, group, stored)
        : system === 'redis'
          ? redisDriver(context, group, appendfsync)
          : relayDriver(context, group);
    return body(new FlowMesh(driver));
  });
}

/**
 * Runs `body` with one mesh per system, all alive at once, so that measured flows can
 * alternate between systems (see {@link measureAlternating}); all are killed afterwards.
 * Idle meshes cost no CPU: only the one measuring runs.
 */
export function withFlowMeshes<R>(
  context: ScenarioContext,
  systems: readonly System[],
  body: (meshes: Map<System, FlowMesh>) => Promise<R>,
  meshes = new Map<System, FlowMesh>(),
): Promise<R> {
  const [system, ...rest] = systems;
  if (system === undefined) return body(meshes);
  return withFlowMesh(context, system, (mesh) => withFlowMeshes(context, rest, body, meshes.set(system, mesh)));
}

export interface Measured {
  results: FlowResult[];
  /** Patches per measured flow. */
  patches: number;
}

/**
 * Warms every mesh, then `runs` rounds, each measuring one flow of every system in turn: a
 * drift in the machine's load (other work on a shared machine) then falls on every system
 * alike instead of on whichever ran last.
 */
export async function measureAlternating(
  meshes: Map<System, FlowMesh>,
  seconds: number,
  runs: number,
  window: number,
  maxWarmupFlows = 6,
): Promise<Map<System, Measured>> {
  const out = new Map<System, Measured>();
  for (const [system, mesh] of meshes) out.set(system, { results: [], patches: await mesh.warmUp(seconds, window, maxWarmupFlows) });
  for (let run = 0; run < runs; run++) {
    for (const [system, mesh] of meshes) {
      const measured = out.get(system)!;
      measured.results.push(await mesh.measure(measured.patches, window));
    }
  }
  return out;
}

/**
 * What each patch costs in CPU, memsync against the relay: one reader (the median over the
 * readers of a run), the host, and the whole mesh (every process added up). With every
 * process busy, the whole-mesh figure is what the cores divide: rate ~ cores / CPU per patch.
 */
export function cpuFigures(id: string, label: string, memsync: FlowResult[], relay: FlowResult[]): Figure[] {
  const figure = (suffix: string, what: string, pick: (r: FlowResult) => number): Figure =>
    makeFigure(`${id}.cpu.${suffix}`, `${label}: CPU per patch, ${what}`, 'us', memsync.map(pick), {
      baseline: relay.map(pick),
    });
  const hasReaders = memsync.every((r) => r.cpu.readers.length > 0);
  return [
    ...(hasReaders ? [figure('reader', 'one reader', readerCpu)] : []),
    figure('host', 'host', (r) => r.cpu.host),
    figure('mesh', 'all processes', wholeCpu),
  ];
}

const readerCpu = (r: FlowResult): number => median(r.cpu.readers);
const wholeCpu = (r: FlowResult): number => r.cpu.host + r.cpu.writer + r.cpu.readers.reduce((a, b) => a + b, 0);

/**
 * CPU per patch against Redis: the whole system (redis-server included) and one reader
 * (a subscriber parsing the published message), where memsync has clientOnly readers.
 */
export function redisCpuFigures(id: string, label: string, memsync: FlowResult[], redis: FlowResult[]): Figure[] {
  const figure = (suffix: string, what: string, pick: (r: FlowResult) => number): Figure =>
    makeFigure(`${id}.cpu.${suffix}`, `${label}: CPU per patch, ${what}`, 'us', memsync.map(pick), {
      baseline: redis.map(pick),
      baselineName: 'Redis',
    });
  const hasReaders = memsync.every((r) => r.cpu.readers.length > 0);
  return [
    ...(hasReaders ? [figure('reader', 'one reader', readerCpu)] : []),
    figure('server', 'host / redis-server', (r) => r.cpu.host),
    figure('all', 'all processes', wholeCpu),
  ];
}
