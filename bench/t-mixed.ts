import { MemSync } from '../src/index.js';
import { mixedLoop } from './workers/mixed-loop.js';
import { mkdtempSync } from 'node:fs';
const dir = mkdtempSync('/tmp/redisbench/m-');
const m = new MemSync('bench', {}, { path: `${dir}/x.sock` });
await m.start();
for (let first = 0; first < 10000; first += 1000) {
  const f: Record<string, number> = {};
  for (let i = first; i < first + 1000; i++) f[`k${i}`] = 0;
  await m.patch({ $set: f });
}
let t = performance.now();
for (let i = 0; i < 200; i++) await m.patch({ $inc: { k5: 1 } });
console.log('awaited write ms', (performance.now() - t) / 200);
t = performance.now();
let x = 0;
for (let i = 0; i < 100000; i++) x += (m.data as Record<string, number>)[`k${i % 10000}`]!;
console.log('read us', (performance.now() - t) * 1000 / 100000);
const r = await mixedLoop({ read: (k) => (m.data as Record<string, unknown>)[k], write: (k) => m.patch({ $inc: { [k]: 1 } }) }, { seconds: 1, keys: 10000, writeShare: 0.05 }, 7);
console.log(r);
await m.stop();
