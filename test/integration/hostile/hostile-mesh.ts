/**
 * A real mesh under attack: a host worker and honest client workers, plus the checks every
 * hostile case ends with — the host and every honest peer keep working (an honest write
 * after the attack reaches everyone), nothing the attacker sent was applied (the state is
 * exactly what honest peers wrote), no honest role changed, and no prototype was polluted.
 */
import { expect } from 'vitest';
import type { MemSyncOptions } from '../../../src/index.js';
import { Cluster, until, type Worker, type WorkerStatus } from '../../support/cluster.js';
import { RawPeer } from './raw-peer.js';

/** What the honest writes leave in the document. */
export interface HonestState {
  n: number;
  last: string;
}

interface Baseline {
  roleEvents: number;
  errorEvents: number;
  role: string;
  epoch: number;
}

export class HostileMesh {
  readonly cluster: Cluster;
  readonly host: Worker;
  readonly clients: Worker[];
  /** The host's socket: where the attacker connects. */
  readonly path: string;
  readonly epoch: number;
  readonly state: HonestState = { n: 0, last: '' };
  /** Patches the honest peers have had ordered: the version every replica must be at. */
  version = 0;
  readonly #baselines = new Map<Worker, Baseline>();
  readonly #attackers: RawPeer[] = [];

  private constructor(cluster: Cluster, host: Worker, clients: Worker[], status: WorkerStatus) {
    this.cluster = cluster;
    this.host = host;
    this.clients = clients;
    if (status.address.kind !== 'unix' || status.address.path === undefined) {
      throw new Error(`host listens on ${JSON.stringify(status.address)}, not a Unix socket`);
    }
    this.path = status.address.path;
    this.epoch = status.epoch;
  }

  /** Starts a host and `clients` honest clients, every one with `options`. */
  static async start(options: MemSyncOptions = {}, clients = 2): Promise<HostileMesh> {
    const cluster = new Cluster();
    try {
      const host = await cluster.start(options, { n: 0, last: '' });
      expect(host.role).toBe('host');
      const others: Worker[] = [];
      for (let i = 0; i < clients; i++) {
        const client = await cluster.start(options, { n: 0, last: '' });
        expect(client.role).toBe('client');
        others.push(client.worker);
      }
      const agreed = await cluster.oneHost(20_000);
      expect(agreed.host).toBe(host.worker);
      const mesh = new HostileMesh(cluster, host.worker, others, agreed.status);
      for (const { worker, status } of agreed.all) {
        mesh.#baselines.set(worker, mesh.#baseline(worker, status));
      }
      return mesh;
    } catch (error) {
      await cluster[Symbol.asyncDispose]();
      throw error;
    }
  }

  get honest(): Worker[] {
    return [this.host, ...this.clients];
  }

  get name(): string {
    return this.cluster.name;
  }

  /** A raw connection to the host; destroyed at dispose if still open. */
  async attacker(): Promise<RawPeer> {
    const peer = await RawPeer.connect(this.path);
    this.#attackers.push(peer);
    return peer;
  }

  /**
   * An honest client writes; resolves once every honest replica holds exactly the honest
   * state at the honest version: nothing the attacker sent was ordered anywhere.
   */
  async honestWrite(
    label: string,
    writer: Worker = this.clients[this.state.n % this.clients.length] ?? this.host,
  ): Promise<void> {
    const result = await writer.call<{ applied: boolean; version: number }>('patch', {
      update: { $inc: { n: 1 }, $set: { last: label } },
      timeout: 10_000,
    });
    this.state.n += 1;
    this.state.last = label;
    this.version += 1;
    expect(result).toEqual({ applied: true, version: this.version });
    await this.#allAtVersion();
    for (const worker of this.honest) expect(await worker.call('get')).toEqual(this.state);
  }

  /**
   * An honest client writes `patches` patches of `keysPerPatch` values of `valueBytes` each
   * under `bulk`, one after another, then removes them again: a lot of traffic, and the
   * honest state is as before.
   */
  async honestBulk(patches: number, keysPerPatch: number, valueBytes: number): Promise<void> {
    const writer = this.clients[0] ?? this.host;
    const results = await writer.call<{ applied: boolean }[]>(
      'fill',
      { path: 'bulk', patches, keysPerPatch, valueBytes },
      60_000,
    );
    expect(results.every((r) => r.applied)).toBe(true);
    const removed = await writer.call<{ applied: boolean }>('patch', {
      update: { $unset: { bulk: '' } },
      timeout: 10_000,
    });
    expect(removed.applied).toBe(true);
    this.version += patches + 1;
    await this.#allAtVersion();
  }

  async #allAtVersion(): Promise<void> {
    let seen: WorkerStatus[] = [];
    await until(
      async () => {
        seen = await Promise.all(this.honest.map((w) => w.call<WorkerStatus>('status')));
        return seen.every((s) => s.version === this.version);
      },
      20_000,
      () =>
        `every honest replica at version ${this.version} (seen: ${JSON.stringify(
          seen.map((s) => ({ role: s.role, version: s.version, epoch: s.epoch })),
        )}; role events: ${JSON.stringify(
          this.honest.map((w) => w.events.filter((e) => e.event !== 'observed')),
        )})`,
    );
  }

  /**
   * The checks after every attack: an honest write still reaches everyone, the state is
   * exactly the honest one, roles and epoch unchanged, no honest client reported an error,
   * no prototype polluted in any process (this one included). `writer` makes the write
   * (an honest client by default).
   */
  async expectUnharmed(label: string, writer?: Worker): Promise<void> {
    for (const worker of this.honest) {
      expect(worker.exited, `worker ${worker.pid} exited (${worker.exitedWith})`).toBe(false);
    }
    await this.honestWrite(label, writer);
    const digests = new Set<string>();
    for (const worker of this.honest) {
      const baseline = this.#baselines.get(worker);
      const status = await worker.call<WorkerStatus>('status');
      expect({ role: status.role, epoch: status.epoch }).toEqual({
        role: baseline?.role,
        epoch: baseline?.epoch,
      });
      expect(worker.events.filter((e) => e.event === 'role')).toHaveLength(
        baseline?.roleEvents ?? -1,
      );
      if (worker !== this.host) {
        const errors = worker.events.filter((e) => e.event === 'error');
        expect(errors.slice(baseline?.errorEvents ?? 0)).toEqual([]);
      }
      expect(await worker.call('pollution')).toEqual({ polluted: false, addedKeys: [] });
      digests.add((await worker.call<{ sha256: string }>('digest')).sha256);
    }
    expect(digests.size).toBe(1);
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  }

  /** The host's count of processes in the mesh, itself included. */
  async hostPeerCount(): Promise<number> {
    return (await this.host.call<WorkerStatus>('status')).peers;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const peer of this.#attackers) peer.destroy();
    await this.cluster[Symbol.asyncDispose]();
  }

  #baseline(worker: Worker, status: WorkerStatus): Baseline {
    return {
      roleEvents: worker.events.filter((e) => e.event === 'role').length,
      errorEvents: worker.events.filter((e) => e.event === 'error').length,
      role: status.role,
      epoch: status.epoch,
    };
  }
}

/**
 * The attacker's connection ends, and — where the protocol sends one — a `refused` message
 * with `code` arrived just before the close.
 */
export async function expectCutOff(peer: RawPeer, refusedCode?: string): Promise<void> {
  await peer.waitClosed(10_000);
  expect(peer.garbled).toBeUndefined();
  if (refusedCode === undefined) return;
  const last = peer.messages[peer.messages.length - 1];
  expect(last).toMatchObject({ type: 'refused', code: refusedCode });
  expect(peer.messages.filter((m) => m.type === 'welcome')).toEqual([]);
}
