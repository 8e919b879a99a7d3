// The reference makes node-ipc's declarations part of any program that reaches this file,
// including the declaration bundler's, which starts from src/index.ts alone (an ambient
// `declare module` file cannot be imported).
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./node-ipc.d.ts" />
/** The node-ipc settings every IPCModule instance of this transport runs with, and why. */
import type nodeIpc from 'node-ipc';
import type { TlsFiles, TransportLimits } from './types.js';

/** One node-ipc instance (what `new nodeIpc.IPC()` returns). */
type IPC = InstanceType<(typeof nodeIpc)['IPC']>;

let loading: Promise<typeof nodeIpc> | undefined;

/**
 * A fresh node-ipc instance (not its shared singleton), for one server or one connection.
 * node-ipc is imported on first use, not with memsync: a process on another transport (the
 * loopback, in tests) never loads it, and `import 'memsync'` does not pay for it.
 */
export async function newIpc(): Promise<IPC> {
  loading ??= import('node-ipc').then((module) => module.default);
  return new (await loading).IPC();
}

export function configureIpc(ipc: IPC, limits: TransportLimits): void {
  const config = ipc.config;
  config.id = 'memsync';
  config.silent = true;
  config.logger = () => {};
  // The default unlinks an existing socket file before listening: a newcomer would steal a
  // live host's address. Takeover of a dead host's file is done by unix-listen.ts instead.
  config.unlink = false;
  // We frame ourselves (framing.ts). node-ipc calls setEncoding(encoding) and then
  // Buffer.from(data, encoding): latin1 maps every byte to one char and back, losslessly.
  config.rawBuffer = true;
  config.encoding = 'latin1';
  config.sync = false;
  // node-ipc's default of 100 silently refuses the 101st peer.
  config.maxConnections = limits.maxConnections;
  // No reconnect loop (and no timers left behind): the mesh's election decides when to retry.
  config.maxRetries = 0;
  config.stopRetrying = true;
  config.readableAll = false;
  config.writableAll = false;
}

/**
 * TLS with the user's certificates. A host without its own key and certificate would fall
 * back to the demo key node-ipc ships in its package, so both are required here.
 */
export function configureTls(ipc: IPC, tls: TlsFiles, side: 'server' | 'client'): void {
  ipc.config.tls = {
    private: tls.key,
    public: tls.cert,
    ...(tls.ca === undefined ? {} : { trustedConnections: [tls.ca] }),
    ...(side === 'server' && tls.ca !== undefined ? { requestCert: true } : {}),
    rejectUnauthorized: side === 'client' || tls.ca !== undefined,
  };
}
