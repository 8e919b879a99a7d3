/**
 * "Machines" for the backplane tests: each a Cluster of its own (its own socket directory,
 * so its own local host), all of one mesh name and one real redis-server. Disposing stops
 * every worker and the server and removes their directories, whatever the test did.
 */
import { startRedisServer, stopEveryRedisServer, type RedisServer, type StartOptions } from '../../bench/redis/server.js';
import { type AddressInfo, createServer } from 'node:net';
import type { RedisOptions } from 'ioredis';
import { Cluster, type StatusOf, until, type Worker } from './cluster.js';

export interface Digest {
  sha256: string;
  bytes: number;
  version: number;
}

export class Machines {
  readonly machines: Cluster[] = [];

  private constructor(
    readonly name: string,
    readonly redis: RedisServer,
  ) {}

  /** `args`: more redis-server arguments, given the mesh's name (for an ACL user's keys). */
  static async start(
    count: number,
    redis: Pick<StartOptions, 'appendfsync'> & { args?: (mesh: string) => string[] } = {},
  ): Promise<Machines> {
    const name = `mesh-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const { args, ...rest } = redis;
    const server = await startRedisServer(args ? { ...rest, args: args(name) } : rest);
    const machines = new Machines(name, server);
    for (let i = 0; i < count; i++) machines.machines.push(new Cluster(machines.name));
    return machines;
  }

  /** Starts a process on machine `index` with the Redis backplane. */
  async start(
    index: number,
    defaults: Record<string, unknown>,
    options: { clientOnly?: boolean; redisSnapshotEvery?: number; redis?: RedisOptions } = {},
  ): Promise<Worker> {
    const machine = this.machines[index]!;
    // By default the server's Unix socket; `redis`: other ioredis options (TCP, TLS, a user).
    return (await machine.start({ ...options, redis: options.redis ?? this.redis.socket }, defaults)).worker;
  }

  alive(): Worker[] {
    return this.machines.flatMap((m) => m.alive());
  }

  /** Waits until every live process holds the same bytes at `version` (or any common version). */
  async converged(version?: number, timeoutMs = 30_000): Promise<Digest> {
    let digests: Digest[] = [];
    await until(
      async () => {
        digests = await Promise.all(this.alive().map((w) => w.call<Digest>('digest')));
        const first = digests[0];
        return (
          first !== undefined &&
          (version === undefined || first.version === version) &&
          digests.every((d) => d.sha256 === first.sha256 && d.version === first.version)
        );
      },
      timeoutMs,
      () => `one state everywhere${version === undefined ? '' : ` at version ${version}`} (last: ${JSON.stringify(digests.map((d) => [d.version, d.sha256.slice(0, 8)]))})`,
    );
    return digests[0]!;
  }

  /** Each machine has exactly one host, every other process a client of it. */
  async oneHostEach(timeoutMs = 30_000): Promise<Worker[]> {
    const hosts: Worker[] = [];
    for (const machine of this.machines) hosts.push((await machine.oneHost(timeoutMs)).host);
    return hosts;
  }

  async statuses(): Promise<StatusOf[]> {
    return (await Promise.all(this.machines.map((m) => m.statuses()))).flat();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      await Promise.all(this.machines.map((m) => m[Symbol.asyncDispose]()));
    } finally {
      await this.redis.stop().catch(() => {});
      stopEveryRedisServer();
    }
  }
}

/** A TCP port on 127.0.0.1 that nobody listened on a moment ago (the system picked it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
