/** Is anyone serving a Unix socket path? Used before taking over an address. */
import net from 'node:net';
import { errorCode } from './system-errors.js';

/**
 * - `live`: something accepted (or is too busy to: EAGAIN, or no answer in time) — never take it.
 * - `dead`: ECONNREFUSED, the file exists but nobody listens behind it.
 * - `missing`: ENOENT, the file is gone.
 * - an Error: anything else (EACCES, ...), reported to the caller.
 */
export type ProbeResult = 'live' | 'dead' | 'missing' | Error;

export function probeUnixPath(path: string, timeoutMs = 1_000): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = net.connect({ path });
    const finish = (result: ProbeResult) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    // A frozen host that cannot accept is still a host.
    const timer = setTimeout(() => finish('live'), timeoutMs);
    socket.once('connect', () => finish('live'));
    socket.once('error', (error) => {
      const code = errorCode(error);
      if (code === 'ECONNREFUSED') finish('dead');
      else if (code === 'ENOENT') finish('missing');
      else if (code === 'EAGAIN') finish('live');
      else finish(error);
    });
  });
}
