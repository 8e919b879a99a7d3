import { caller, withGroup } from '../lib/child.js';
import { type Figure, formatNumber, makeFigure } from '../lib/figures.js';
import type { MemorySample, MemsyncCommand, MemsyncResults } from '../workers/memsync-commands.js';
import type { MicroCommand, MicroResults } from '../workers/micro-commands.js';
import { median } from '../lib/stats.js';
import { joinRuns } from './document-mesh.js';
import type { Scenario, ScenarioContext } from './types.js';

const DOCUMENT_MB = 10;
const MB = 1024 * 1024;

/** Memory per byte of JSON held: (with document - empty) / JSON bytes, run by run. */
async function perMegabyte(context: ScenarioContext): Promise<Figure[]> {
  const full = await joinRuns(context, DOCUMENT_MB);
  const empty = await joinRuns(context, 0);
  const per = (pick: (p: (typeof full)[number]) => number): number[] =>
    full.map((p, i) => (pick(p) - pick(empty[i]!)) / p.jsonBytes);
  const plain: number[] = [];
  for (let run = 0; run < context.runs; run++) {
    const heap = await withGroup('plain-heap', context.spawn, async (group) => {
      const call = caller<MicroCommand, MicroResults>(
        await group.spawn(context.workers.micro, 'micro'),
      );
      return call({ cmd: 'plainHeap', mb: DOCUMENT_MB }, 60_000);
    });
    plain.push(heap.heapBytes / heap.jsonBytes);
  }
  const clientHeap = makeFigure(
    'memory.client.heap',
    'client heap after GC, per byte of JSON',
    'x',
    per((p) => p.client.heapUsed),
    {
      baseline: plain,
      baselineName: 'JSON.parse',
      note: `${DOCUMENT_MB} MB document`,
    },
  );
  clientHeap.goal = { text: '<= 3x JSON size', met: clientHeap.value.median <= 3 };
  return [
    clientHeap,
    makeFigure(
      'memory.host.heap',
      'host heap after GC, per byte of JSON',
      'x',
      per((p) => p.host.heapUsed),
      {
        note: 'with its log of the patches that built the document',
      },
    ),
    makeFigure(
      'memory.client.rss',
      'client RSS per MB of JSON',
      'MB/MB',
      per((p) => p.client.rss),
    ),
    makeFigure(
      'memory.host.rss',
      'host RSS per MB of JSON',
      'MB/MB',
      per((p) => p.host.rss),
    ),
  ];
}

/** Host RSS while a writer pushes `patches` $inc through it, sampled every 250 ms. */
function flood(context: ScenarioContext, patches: number): Promise<MemorySample[]> {
  return withGroup('memory-flood', context.spawn, async (group) => {
    const mesh = { name: 'flood', dir: group.dir };
    const call = async (label: string, clientOnly: boolean) => {
      const c = caller<MemsyncCommand, MemsyncResults>(
        await group.spawn(context.workers.memsync, label),
      );
      await c({ cmd: 'start', ...mesh, clientOnly });
      return c;
    };
    const host = await call('host', false);
    const writer = await call('writer', true);
    await host({ cmd: 'sample', everyMs: 250 });
    await writer({ cmd: 'write', path: 'n', count: patches, window: 256 }, 30_000 + patches);
    return host({ cmd: 'samples' });
  });
}

/**
 * Highest RSS sampled while the run was between `from` and `to` of its patches. Peaks are
 * compared, not single samples: one sample can land just after a GC or just before one,
 * which moves RSS by tens of MB either way while nothing is growing.
 */
function peakBetween(samples: MemorySample[], patches: number, from: number, to: number): number {
  const inRange = samples.filter((s) => s.version > patches * from && s.version <= patches * to);
  return Math.max(...(inRange.length > 0 ? inRange : samples).map((s) => s.rss));
}

/** The RSS sample nearest to `fraction` of the run's patches. */
function rssAt(samples: MemorySample[], patches: number, fraction: number): number {
  const target = patches * fraction;
  const found = samples.find((s) => s.version >= target) ?? samples.at(-1)!;
  return found.rss;
}

export const memory: Scenario = {
  id: 'memory',
  title: 'Memory: per MB of document, and the host under a million patches',
  async run(context) {
    const figures = await perMegabyte(context);
    const patches = context.quick ? 200_000 : 1_000_000;
    const traces: MemorySample[][] = [];
    const floodRuns = context.quick ? 1 : Math.min(context.runs, 3);
    for (let run = 1; run <= floodRuns; run++) {
      traces.push(await flood(context, patches));
      context.log(`memory flood run ${run}: ${traces.at(-1)!.length} samples`);
    }
    const endRss = traces.map((t) => t.at(-1)!.rss / MB);
    // Flat means the second half of the run never needs more memory than the first did.
    const growth = traces.map(
      (t) => (peakBetween(t, patches, 0.5, 1) - peakBetween(t, patches, 0.1, 0.5)) / MB,
    );
    const flatBound = 0.1;
    const growthFigure = makeFigure(
      'memory.flood.growth',
      `host peak RSS, second half minus first half of ${formatNumber(patches)} patches`,
      'MB',
      growth,
      {
        note: `${floodRuns} run(s); logSize 10000`,
      },
    );
    const startRss = traces.map((t) => peakBetween(t, patches, 0.1, 0.5) / MB);
    growthFigure.goal = {
      text: `flat: growth <= ${flatBound * 100}% of the first half's peak`,
      // Judged on medians, like every figure: RSS moves with the GC's timing from run to run.
      met: growthFigure.value.median <= median(startRss) * flatBound,
    };
    figures.push(
      makeFigure(
        'memory.flood.rss',
        `host RSS after ${formatNumber(patches)} patches`,
        'MB',
        endRss,
      ),
      growthFigure,
    );
    const steps = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];
    const trace = traces[0]!;
    return {
      figures,
      details: [
        `host RSS (MB) at 10%..100% of the patches, run 1: ${steps.map((f) => (rssAt(trace, patches, f) / MB).toFixed(0)).join(' ')}`,
      ],
      reading:
        'A replica is the document as V8 objects: headers, pointers and, for objects with ' +
        'thousands of keys (here 40 maps of about 3,200 records each), property dictionaries, all ' +
        'larger than the JSON text; JSON.parse of the same text is the floor. The host, and any ' +
        'replica that received the document as patches, also keeps those patches in its entry log ' +
        'until logSize newer ones push them out. Under a stream of small patches the log is ' +
        'bounded by logSize, so the host\'s memory stays flat.',
    };
  },
};
