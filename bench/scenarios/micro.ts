/** Runs one in-process measurement in a fresh micro worker: clean heap, cold JIT. */
import { caller, withGroup } from '../lib/child.js';
import type { MicroCommand, MicroResults } from '../workers/micro-commands.js';
import type { ScenarioContext } from './types.js';

export function measureMicro<K extends MicroCommand['cmd']>(
  context: ScenarioContext,
  command: Extract<MicroCommand, { cmd: K }>,
): Promise<MicroResults[K]> {
  return withGroup('micro', context.spawn, async (group) => {
    const call = caller<MicroCommand, MicroResults>(
      await group.spawn(context.workers.micro, `micro-${command.cmd}`),
    );
    return call(command, 120_000);
  });
}
