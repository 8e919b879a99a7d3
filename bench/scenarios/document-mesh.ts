/**
 * A host holding a document of a given size, and a fresh process joining it: shared by the
 * join scenario (how long the join takes) and the memory scenario (what each side holds).
 */
import { type Child, caller, withGroup } from '../lib/child.js';
import type { MemoryFigures, MemsyncCommand, MemsyncResults } from '../workers/memsync-commands.js';
import type { ScenarioContext } from './types.js';

export interface JoinedPair {
  /** start() -> synced, in the joining process. */
  joinMs: number;
  /** JSON size of the document, as the joiner holds it. */
  jsonBytes: number;
  host: MemoryFigures;
  client: MemoryFigures;
}

const call = (child: Child) => caller<MemsyncCommand, MemsyncResults>(child);

/**
 * Builds a document of about `mb` MB on a host (0: empty), then joins it `runs` times, each
 * time from a new process (a real joiner starts cold), measuring both sides after each join.
 */
function joinDocument(context: ScenarioContext, mb: number, runs: number): Promise<JoinedPair[]> {
  return withGroup(`join-${mb}mb`, context.spawn, async (group) => {
    const mesh = { name: 'join', dir: group.dir };
    const host = await group.spawn(context.workers.memsync, 'host');
    await call(host)({ cmd: 'start', ...mesh });
    if (mb > 0) await call(host)({ cmd: 'fill', mb }, 120_000);
    const pairs: JoinedPair[] = [];
    for (let run = 1; run <= runs; run++) {
      const joiner = await group.spawn(context.workers.memsync, `joiner-${run}`);
      const joined = await call(joiner)({ cmd: 'join', runs: 1, ...mesh }, 120_000);
      const [hostMemory, clientMemory] = await Promise.all([call(host)({ cmd: 'memory' }), call(joiner)({ cmd: 'memory' })]);
      await joiner.close();
      pairs.push({ joinMs: joined.ms[0]!, jsonBytes: joined.jsonBytes, host: hostMemory, client: clientMemory });
      context.log(`document ${mb} MB join ${run}: ${joined.ms[0]!.toFixed(1)} ms`);
    }
    return pairs;
  });
}

const measured = new Map<number, Promise<JoinedPair[]>>();

/**
 * `context.runs` joins of a document of `mb` MB. Measured once per bench process: the join
 * and memory scenarios read the same runs rather than building the same documents twice.
 */
export function joinRuns(context: ScenarioContext, mb: number): Promise<JoinedPair[]> {
  let runs = measured.get(mb);
  if (!runs) {
    runs = joinDocument(context, mb, context.runs);
    measured.set(mb, runs);
  }
  return runs;
}
