/** Runs in-process measurements in a fresh micro worker per run: clean heap, cold JIT. */
import { caller, withGroup } from '../lib/child.js';
import type { MicroCommand, MicroResults } from '../workers/micro-commands.js';
import type { ScenarioContext } from './types.js';

export function measureMicro<K extends MicroCommand['cmd']>(
  context: ScenarioContext,
  command: Extract<MicroCommand, { cmd: K }>,
): Promise<MicroResults[K]> {
  return withGroup('micro', context.spawn, async (group) => {
    const call = caller<MicroCommand, MicroResults>(await group.spawn(context.workers.micro, `micro-${command.cmd}`));
    return call(command, 120_000);
  });
}

/**
 * `runs` runs of every kind, one process per run measuring them all; the order rotates
 * from run to run so that no kind always runs first, on the coldest JIT.
 */
export async function measureKinds<T extends string>(
  runs: number,
  kinds: readonly T[],
  measure: (ordered: T[]) => Promise<Partial<Record<T, number>>>,
): Promise<Record<T, number[]>> {
  const out = Object.fromEntries(kinds.map((k) => [k, [] as number[]])) as Record<T, number[]>;
  for (let run = 0; run < runs; run++) {
    const ordered = kinds.map((_, i) => kinds[(i + run) % kinds.length]!);
    const result = await measure(ordered);
    for (const kind of kinds) {
      const value = result[kind];
      if (value === undefined) throw new Error(`no result for ${kind}`);
      out[kind].push(value);
    }
  }
  return out;
}
