/**
 * From the global flags to a running `clientOnly` MemSync: the CLI is one more peer of the
 * mesh, through the public API, that never hosts (it must not keep a mesh alive, nor become
 * its host when the real one dies while we look).
 */
import net from 'node:net';
import { MemSync } from '../memsync.js';
import type { MemSyncOptions } from '../options.js';
import { defaultAddress } from '../transport/address.js';
import { probeUnixPath } from '../transport/unix-probe.js';
import type { Address } from '../transport/types.js';
import type { JsonObject } from '../types.js';
import { SECRET_ENV } from './env.js';
import { CliError, EXIT } from './exit-codes.js';
import { showJoinProgress } from './progress.js';

/** The flags every subcommand accepts (see main.ts). */
export interface GlobalFlags {
  dir?: string;
  path?: string;
  tcp?: string;
  tlsKey?: string;
  tlsCert?: string;
  tlsCa?: string;
  timeout: number;
}


/** MemSync options for the CLI's peer, from the flags and the environment. */
export function meshOptions(flags: GlobalFlags): MemSyncOptions {
  const options: MemSyncOptions = { clientOnly: true, timeout: flags.timeout };
  if (flags.dir !== undefined) options.dir = flags.dir;
  if (flags.path !== undefined) options.path = flags.path;
  if (flags.tcp !== undefined) {
    if (flags.path !== undefined) throw new CliError('ERR_USAGE', 'give --path or --tcp, not both', EXIT.USAGE);
    const match = /^(.+):(\d{1,5})$/.exec(flags.tcp);
    const port = Number(match?.[2]);
    if (!match?.[1] || port < 1 || port > 65535) {
      throw new CliError('ERR_USAGE', `--tcp wants host:port, got '${flags.tcp}'`, EXIT.USAGE);
    }
    const host = match[1].replace(/^\[(.*)\]$/, '$1');
    options.tcp = { host, port };
    if (flags.tlsKey !== undefined || flags.tlsCert !== undefined) {
      if (flags.tlsKey === undefined || flags.tlsCert === undefined) {
        throw new CliError('ERR_USAGE', 'TLS needs both --tls-key and --tls-cert', EXIT.USAGE);
      }
      options.tcp.tls = { key: flags.tlsKey, cert: flags.tlsCert, ...(flags.tlsCa ? { ca: flags.tlsCa } : {}) };
    }
  }
  const secret = process.env[SECRET_ENV];
  if (secret) options.secret = secret;
  return options;
}

/**
 * The address the options lead to (the same the MemSync constructor derives), without
 * recording the mesh name beside it: a name nobody serves must leave no file behind. Once
 * the probe finds a host, the MemSync constructor records it (the host did already).
 */
export function addressOf(name: string, options: MemSyncOptions): Address {
  if (options.tcp) return { kind: 'tcp', ...options.tcp };
  if (options.path !== undefined) return { kind: 'unix', path: options.path };
  return defaultAddress(name, options.dir, false);
}

function describe(address: Address): string {
  return address.kind === 'tcp' ? `${address.host}:${address.port}` : address.path;
}

/**
 * Fails fast with ERR_NO_MESH when nobody serves the address: a clientOnly peer would
 * otherwise wait its whole timeout for a host to appear.
 */
async function ensureServed(name: string, address: Address, timeoutMs: number): Promise<void> {
  const result =
    address.kind === 'unix' ? await probeUnixPath(address.path, timeoutMs) : await probeTcp(address, timeoutMs);
  if (result === 'live') return;
  const why =
    result === 'missing'
      ? 'no socket'
      : result === 'dead'
        ? 'a stale socket: its host is gone'
        : `cannot connect: ${result.message}`;
  throw new CliError('ERR_NO_MESH', `no mesh '${name}' at ${describe(address)} (${why})`, EXIT.NO_MESH);
}

function probeTcp(address: { host: string; port: number }, timeoutMs: number): Promise<'live' | 'dead' | Error> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address.host, port: address.port });
    const finish = (result: 'live' | 'dead' | Error): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
    socket.once('connect', () => finish('live'));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      finish(error.code === 'ECONNREFUSED' ? 'dead' : error),
    );
  });
}

/** Joins mesh `name` as a clientOnly peer and resolves once its replica is in sync. */
export async function openMesh(name: string, flags: GlobalFlags): Promise<MemSync<JsonObject>> {
  const options = meshOptions(flags);
  const address = addressOf(name, options);
  await ensureServed(name, address, Math.min(flags.timeout, 2000));
  const mem = new MemSync<JsonObject>(name, {}, options);
  // An election round failing while we wait is not our failure to report: start() says it.
  mem.on('error', () => undefined);
  const progressDone = showJoinProgress(mem.id);
  try {
    await mem.start();
  } catch (error) {
    await mem.stop();
    throw error;
  } finally {
    progressDone();
  }
  return mem;
}
