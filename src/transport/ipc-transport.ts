/**
 * The node-ipc transport: Unix sockets (named pipes on Windows) and TCP, our own length-prefixed
 * framing, per-tick batched writes, back-pressure limits, and safe takeover of a dead host's
 * socket file. This folder is the only place node-ipc is imported.
 */
import { MemSyncError } from '../errors.js';
import { connectIpc } from './ipc-client.js';
import { announcePeer, livePeers } from './peer-registry.js';
import { isProcessAlive, isProcessRunning } from './process-alive.js';
import { type IpcBindTarget, type IpcServer, startIpcServer } from './ipc-server.js';
import { resolveTransportLimits } from './limits.js';
import { checkSocketPath } from './path-trust.js';
import { systemError, toConnectionError } from './system-errors.js';
import { defaultTakeoverGuard, type TakeoverGuard } from './takeover-guard.js';
import type { Address, Listener, Transport, TransportLimits } from './types.js';
import { listenUnixPath } from './unix-listen.js';
import { watchPath } from './path-change.js';
import { socketIdentity } from './socket-identity.js';

/** Options beyond the limits, for tests and unusual platforms. */
export interface IpcTransportOptions {
  /**
   * The lock taken while replacing a dead host's socket file.
   * @default a socket file beside the guarded socket (takeover-guard.ts)
   */
  takeoverGuard?: TakeoverGuard;
}

/**
 * How long `connect` waits when no `timeoutMs` is given.
 * @default 5000
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

const WINDOWS_PIPE_PREFIX = '\\\\.\\pipe\\';
const MAX_SOCKET_PATH_BYTES = process.platform === 'linux' ? 107 : 103;

/**
 * Creates the node-ipc transport. Each listen and connect uses its own node-ipc instance, so
 * any number of meshes can live in one process.
 * @throws MemSyncError `ERR_INVALID_OPTION` on a bad limit.
 * @example
 * const transport = createIpcTransport({ maxQueuedBytes: 64 * 1024 * 1024 });
 * const listener = await transport.listen(defaultAddress('my-mesh'), (c) => c.setHandlers(h));
 */
export function createIpcTransport(
  limits: Partial<TransportLimits> = {},
  options: IpcTransportOptions = {},
): Transport {
  const resolved = resolveTransportLimits(limits);
  const guard = options.takeoverGuard ?? defaultTakeoverGuard();
  return {
    async listen(address, onConnection, listenOptions) {
      checkAddress(address);
      // Every election binds or connects: a directory swapped since the last one is refused.
      if (address.kind === 'unix') checkSocketPath(address.path);
      let server: IpcServer & { owns?(): boolean };
      try {
        const start = (target: IpcBindTarget) => startIpcServer(target, resolved, onConnection);
        if (address.kind === 'tcp')
          server = await start({ host: address.host, port: address.port, ...(address.tls ? { tls: address.tls } : {}) });
        else if (process.platform === 'win32')
          server = await start({ path: pipeNameForServe(address.path) });
        else server = await listenUnixPath(address.path, (path) => start({ path }), guard, listenOptions?.depose);
      } catch (error) {
        throw toConnectionError(error, `listen on ${describe(address)} failed`);
      }
      return makeListener(address, server);
    },
    async connect(address, connectOptions) {
      checkAddress(address);
      if (address.kind === 'unix') checkSocketPath(address.path);
      const timeoutMs = connectOptions?.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
      if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
        throw new MemSyncError(
          'ERR_INVALID_OPTION',
          `timeoutMs must be a positive number, got ${timeoutMs}`,
        );
      }
      if (address.kind === 'tcp' || process.platform === 'win32') return connectIpc(address, resolved, timeoutMs);
      const before = socketIdentity(address.path);
      if (before !== undefined && before === connectOptions?.avoid) {
        // The host behind this file was deposed; its successor is about to replace it.
        throw toConnectionError(systemError('EAGAIN', 'connect', address.path), `the host at ${address.path} was deposed`);
      }
      const connection = await connectIpc(address, resolved, timeoutMs);
      // Known only when the file did not change while we dialed it.
      if (before !== undefined && socketIdentity(address.path) === before) connection.target = before;
      return connection;
    },
    isAlive: (peer, address) => (address.kind === 'unix' ? isProcessAlive(peer.pid) : undefined),
    isRunning: (peer, address) => (address.kind === 'unix' ? isProcessRunning(peer.pid) : undefined),
    announce: (address, self) => (address.kind === 'unix' && process.platform !== 'win32' ? announcePeer(address.path, self) : () => {}),
    announced: (address) => (address.kind === 'unix' && process.platform !== 'win32' ? livePeers(address.path) : []),
    watchAddress: (address, onChange) =>
      address.kind === 'unix' && process.platform !== 'win32' ? watchPath(address.path, onChange) : undefined,
  };
}

function makeListener(address: Address, server: IpcServer & { owns?(): boolean }): Listener {
  const frozen: Address = Object.freeze({ ...address });
  let closing: Promise<void> | undefined;
  return {
    address: frozen,
    owns: () => server.owns?.(),
    close: () => {
      closing ??= server.close();
      return closing;
    },
  };
}

function checkAddress(address: Address): void {
  if (address.kind === 'tcp') {
    // node-ipc treats port 0 as "use the default port 8000", so an ephemeral port cannot be asked for.
    if (!Number.isInteger(address.port) || address.port < 1 || address.port > 65_535) {
      throw new MemSyncError(
        'ERR_INVALID_OPTION',
        `TCP port must be an integer in 1..65535, got ${address.port}`,
      );
    }
    return;
  }
  if (address.path.length === 0)
    throw new MemSyncError('ERR_INVALID_OPTION', 'socket path is empty');
  // libuv silently truncates a longer path, which would bind or dial the wrong name.
  if (process.platform !== 'win32' && Buffer.byteLength(address.path) > MAX_SOCKET_PATH_BYTES) {
    throw toConnectionError(
      systemError('ENAMETOOLONG', 'listen', address.path),
      `socket path longer than ${MAX_SOCKET_PATH_BYTES} bytes`,
    );
  }
}

/**
 * node-ipc's server turns the name it is given into `\\.\pipe\<name>` (replacing slashes), while
 * its client uses a full pipe path as is: hand the server the bare name.
 */
function pipeNameForServe(path: string): string {
  return path.startsWith(WINDOWS_PIPE_PREFIX) ? path.slice(WINDOWS_PIPE_PREFIX.length) : path;
}

function describe(address: Address): string {
  return address.kind === 'unix' ? address.path : `${address.host}:${address.port}`;
}
