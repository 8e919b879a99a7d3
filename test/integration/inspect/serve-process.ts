/** A `memsync serve` process on a free port, and its base URL. */
import { type LiveCli, spawnCli } from '../cli/cli-process.js';

export interface Served {
  cli: LiveCli;
  url: string;
}

export async function serveMesh(name: string, dir: string, env: Record<string, string> = {}, extra: string[] = []): Promise<Served> {
  const cli = await spawnCli(['serve', name, '--dir', dir, '--port', '0', ...extra], env);
  try {
    await cli.until((c) => c.lines().length >= 1, 20_000, 'the serve URL');
  } catch (error) {
    cli.stop();
    throw error;
  }
  return { cli, url: cli.lines()[0] ?? '' };
}
