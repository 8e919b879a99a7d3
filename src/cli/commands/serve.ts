/** `memsync serve <name> [--port 8080] [--host 127.0.0.1]`: the HTTP API and web view. */
import { createInspectServer } from '../../inspect/index.js';
import { TOKEN_ENV } from '../env.js';
import { EXIT, type ExitCode, oneLine } from '../exit-codes.js';
import { type GlobalFlags, openMesh } from '../connect.js';
import { err, out } from '../output.js';


export async function serve(name: string, flags: GlobalFlags, options: { port: number; host: string }): Promise<ExitCode> {
  const token = process.env[TOKEN_ENV] || undefined;
  const mem = await openMesh(name, flags);
  mem.on('error', (error) => void err(`memsync: warning: ${error.code}: ${oneLine(error.message)}\n`));
  let server;
  try {
    server = await createInspectServer(mem, { port: options.port, host: options.host, ...(token ? { token } : {}) });
  } catch (error) {
    await mem.stop();
    throw error;
  }
  const running = server;
  return new Promise<ExitCode>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void running
        .close()
        .then(() => mem.stop())
        .then(() => resolve(EXIT.OK));
    };
    // Listening for signals before the URL is out: whoever reads it may stop us at once.
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    // One line on stdout a script can read the address from (with --port 0, say).
    out(`${running.url}\n`).catch(stop);
  });
}
