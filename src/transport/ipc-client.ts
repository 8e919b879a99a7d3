/** Opening a connection with node-ipc's client. */
import { TimeoutError } from '../errors.js';
import { configureIpc, configureTls, newIpc } from './ipc-config.js';
import { IpcConnection } from './ipc-connection.js';
import { toConnectionError } from './system-errors.js';
import type { Address, TransportLimits } from './types.js';

const CLIENT_ID = 'memsync';

export async function connectIpc(
  address: Address,
  limits: TransportLimits,
  timeoutMs: number,
): Promise<IpcConnection> {
  const ipc = await newIpc();
  configureIpc(ipc, limits);
  if (address.kind === 'tcp' && address.tls) configureTls(ipc, address.tls, 'client');
  if (address.kind === 'unix') ipc.connectTo(CLIENT_ID, address.path);
  else ipc.connectToNet(CLIENT_ID, address.host, address.port);
  const client = ipc.of[CLIENT_ID];
  const target = address.kind === 'unix' ? address.path : `${address.host}:${address.port}`;
  if (!client) return Promise.reject(new Error('node-ipc did not create a client'));

  let connection: IpcConnection | undefined;
  return new Promise<IpcConnection>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      // Destroys the socket; with retries off node-ipc schedules nothing afterwards.
      ipc.disconnect(CLIENT_ID);
      reject(new TimeoutError(`connect to ${target} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    client.on('error', (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(toConnectionError(error, `connect to ${target} failed`));
    });
    client.on('connect', () => {
      if (settled || !client.socket) return;
      settled = true;
      clearTimeout(timer);
      connection = new IpcConnection(client.socket, limits, 'out');
      resolve(connection);
    });
  });
}
