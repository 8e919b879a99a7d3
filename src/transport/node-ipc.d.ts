/**
 * The part of `node-ipc` 9.2.1 this transport uses (the package ships no types).
 * Read from its node-ipc.js, services/IPC.js, dao/socketServer.js and dao/client.js.
 */
declare module 'node-ipc' {
  import type { Server as NetServer, Socket } from 'node:net';

  interface IpcConfig {
    id: string;
    appspace: string;
    encoding: BufferEncoding;
    rawBuffer: boolean;
    sync: boolean;
    unlink: boolean;
    silent: boolean;
    logger: (line: string) => void;
    maxConnections: number;
    retry: number;
    maxRetries: number;
    stopRetrying: boolean;
    readableAll: boolean;
    writableAll: boolean;
    /** TCP over TLS; node-ipc reads `private`/`public`/`trustedConnections` files itself. */
    tls: false | IpcTlsConfig;
  }

  interface IpcTlsConfig {
    private?: string;
    public?: string;
    trustedConnections?: string[];
    requestCert?: boolean;
    rejectUnauthorized?: boolean;
  }

  /** dao/socketServer.js: a net.Server wrapper publishing events through event-pubsub. */
  interface IpcSocketServer {
    /** The net.Server once `start()` has run. */
    server: NetServer | false;
    start(): void;
    stop(): void;
    on(type: 'start', handler: () => void): this;
    on(type: 'error', handler: (error: Error) => void): this;
    on(type: 'connect', handler: (socket: Socket) => void): this;
    /** With `rawBuffer`, one event per socket chunk. */
    on(type: 'data', handler: (data: Buffer, socket: Socket) => void): this;
  }

  /** dao/client.js: one outgoing connection. */
  interface IpcClient {
    socket: Socket | false;
    on(type: 'connect' | 'disconnect' | 'destroy', handler: () => void): this;
    on(type: 'error', handler: (error: Error) => void): this;
    /** With `rawBuffer`, one event per socket chunk. */
    on(type: 'data', handler: (data: Buffer) => void): this;
  }

  /** services/IPC.js: one independent set of config, server and clients. */
  class IPC {
    config: IpcConfig;
    of: Record<string, IpcClient | undefined>;
    server: IpcSocketServer | false;
    serve(path: string, callback?: () => void): void;
    serveNet(host: string, port: number, callback?: () => void): void;
    connectTo(id: string, path: string, callback?: () => void): void;
    connectToNet(id: string, host: string, port: number, callback?: () => void): void;
    disconnect(id: string): void;
  }

  /** node-ipc.js exports one shared instance, which carries the class for fresh ones. */
  interface IPCModule extends IPC {
    readonly IPC: typeof IPC;
  }

  const singleton: IPCModule;

  export = singleton;
}
