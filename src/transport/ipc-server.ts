/** A node-ipc server bound to one Unix path / pipe or TCP endpoint, handing out IpcConnections. */
import type { Server as NetServer, Socket } from 'node:net';
import { reportHandlerError } from './inbox.js';
import { configureIpc, configureTls, newIpc } from './ipc-config.js';
import { IpcConnection } from './ipc-connection.js';
import type { Connection, TlsFiles, TransportLimits } from './types.js';
import { UnauthenticatedBudget } from './unauthenticated-budget.js';

/** Where to bind: a filesystem path (or pipe name on Windows) or a TCP endpoint. */
export type IpcBindTarget = { path: string } | { host: string; port: number; tls?: TlsFiles };

export interface IpcServer {
  /**
   * Stops accepting, closes every accepted connection gracefully and resolves once the server
   * handle is closed. For a Unix path, libuv unlinks the path it bound as it closes.
   */
  close(): Promise<void>;
}

/**
 * Starts a server. Rejects with the raw Node error (EADDRINUSE, EACCES, ...) when the bind
 * fails; callers wrap it.
 */
export async function startIpcServer(
  target: IpcBindTarget,
  limits: TransportLimits,
  onConnection: (connection: Connection) => void,
): Promise<IpcServer> {
  const ipc = await newIpc();
  configureIpc(ipc, limits);
  if ('host' in target && target.tls) configureTls(ipc, target.tls, 'server');
  if ('path' in target) ipc.serve(target.path);
  else ipc.serveNet(target.host, target.port);
  const server = ipc.server;
  if (!server) return Promise.reject(new Error('node-ipc did not create a server'));

  const connections = new Map<Socket, IpcConnection>();
  const budget = new UnauthenticatedBudget(limits.maxUnauthenticatedBytes);
  server.on('connect', (socket) => {
    const forget = () => connections.delete(socket);
    const connection = new IpcConnection(socket, limits, 'in', forget, budget);
    connections.set(socket, connection);
    try {
      onConnection(connection);
    } catch (error) {
      reportHandlerError(error);
    }
  });

  return new Promise<IpcServer>((resolve, reject) => {
    let started = false;
    server.on('error', (error) => {
      // Before 'start' this is the bind failing; afterwards node-ipc republishes per-socket
      // errors here, which each IpcConnection already handles on its own socket.
      if (started) return;
      started = true;
      reject(error);
    });
    server.on('start', () => {
      started = true;
      const netServer = server.server;
      if (!netServer) {
        reject(new Error('node-ipc started without a server'));
        return;
      }
      resolve(makeHandle(netServer, connections));
    });
    server.start();
  });
}

function makeHandle(netServer: NetServer, connections: Map<Socket, IpcConnection>): IpcServer {
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= new Promise<void>((resolve) => {
        // The callback fires once every accepted socket has closed, which the linger timer of
        // each connection bounds.
        netServer.close(() => resolve());
        for (const connection of [...connections.values()]) connection.close();
      });
      return closing;
    },
  };
}
