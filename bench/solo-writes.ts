/**
 * Writes of a MemSync alone (a host with no member: one process, a CLI daemon, the first
 * process of a fleet): CPU per `$inc` of a random key, for a one-key and a 10,000-key
 * document, writes awaited one by one and not (up to 256 in flight). The worker is bundled
 * as the bench's are (tsx would name every closure it creates) and each case runs in a
 * fresh process.
 *
 *   node --import tsx bench/solo-writes.ts [--rounds=5] [--seconds=1]
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { bundleProgram } from './lib/bundle.js';
import { median } from './lib/stats.js';

const flag = (name: string, fallback: number): number =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const rounds = flag('rounds', 5);
const seconds = flag('seconds', 1);

const CASES = [
  { label: '1 key, awaited', keys: 1, await: true },
  { label: '1 key, not awaited', keys: 1, await: false },
  { label: '10,000 keys, awaited', keys: 10_000, await: true },
  { label: '10,000 keys, not awaited', keys: 10_000, await: false },
];

const worker = await bundleProgram(join(import.meta.dirname, 'workers', 'solo-writes-worker.ts'), 'solo-writes-worker.mjs');
console.log(`node --import tsx bench/solo-writes.ts --rounds=${rounds} --seconds=${seconds}: medians of ${rounds} rounds`);
for (const c of CASES) {
  const out = execFileSync(process.execPath, [worker], {
    env: { ...process.env, KEYS: String(c.keys), AWAIT: c.await ? '1' : '0', SECONDS: String(seconds), ROUNDS: String(rounds) },
    encoding: 'utf8',
    timeout: (rounds + 2) * seconds * 1000 + 60_000,
  });
  const runs = out.trim().split('\n').map((line) => JSON.parse(line) as { perSecond: number; cpuPerWrite: number });
  const cpu = median(runs.map((r) => r.cpuPerWrite));
  const rate = median(runs.map((r) => r.perSecond));
  console.log(`${c.label.padEnd(26)} ${rate.toFixed(0).padStart(8)} writes/s  ${cpu.toFixed(2)} us CPU per write`);
}
