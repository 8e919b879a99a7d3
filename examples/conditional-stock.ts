/**
 * No overselling, without locks: a stock of 10, four processes each try to buy 5 at once
 * with `patch({ $inc: { stock: -1 } }, { if: { stock: { $gt: 0 } } })`. The condition is
 * judged when the host's order reaches the patch, on the ordered state, identically on
 * every replica: exactly 10 purchases apply; the other 10 resolve `applied: false` with
 * `reason: 'condition'` and roll back out of their writer's view.
 *
 *   node --import tsx examples/conditional-stock.ts
 *
 * Exits with 0 when exactly 10 purchases succeeded and every process ends with stock 0
 * and the same 10 orders, else 1.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { type DeepReadonly, MemSync } from 'memsync';
import {
  ask,
  exitWithParent,
  forkWithTsx,
  killIfRunning,
  nextMessage,
  stopChild,
} from './lib/children.js';

const STOCK = 10;
const BUYERS = 4;
const EACH_WANTS = 5;

type State = { stock: number; orders: string[] };
type Ready = { type: 'ready'; id: number; role: string };
type Bought = {
  type: 'bought';
  id: number;
  applied: number;
  reasons: string[];
  rejectedEvents: number;
  lastVersion: number;
};
type Final = { type: 'final'; id: number; version: number; data: DeepReadonly<State> };
type FromBuyer = Ready | Bought | Final;
type ToBuyer = { cmd: 'go' } | { cmd: 'final'; atLeast: number } | { cmd: 'stop' };

if (process.argv[2] === 'buyer') await buyer(Number(process.argv[3]), process.argv[4] ?? '');
else await main();

async function buyer(id: number, dir: string): Promise<void> {
  exitWithParent();
  const send = (message: FromBuyer): void => void process.send?.(message);
  const mem = new MemSync<State>('stock', { stock: STOCK, orders: [] }, { dir });
  let rejectedEvents = 0;
  mem.on('rejected', () => rejectedEvents++);
  process.on('message', async (message: ToBuyer) => {
    if (message.cmd === 'go') {
      // All five at once: none waits for another's answer.
      const results = await Promise.all(
        Array.from({ length: EACH_WANTS }, (_, k) =>
          mem.patch(
            { $inc: { stock: -1 }, $push: { orders: `p${id}#${k + 1}` } },
            { if: { stock: { $gt: 0 } } },
          ),
        ),
      );
      send({
        type: 'bought',
        id,
        applied: results.filter((r) => r.applied).length,
        reasons: results.filter((r) => !r.applied).map((r) => r.reason ?? 'none'),
        rejectedEvents,
        lastVersion: Math.max(...results.map((r) => r.version)),
      });
    } else if (message.cmd === 'final') {
      // On timeout, report anyway: the parent compares what every process holds.
      await mem.whenVersion(message.atLeast, { timeout: 10_000 }).catch(() => undefined);
      send({ type: 'final', id, version: mem.version, data: mem.data });
    } else if (message.cmd === 'stop') {
      await mem.stop();
      process.exit(0);
    }
  });
  send({ type: 'ready', id, role: await mem.start() });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'memsync-stock-'));
  const children: ChildProcess[] = [];
  const failures: string[] = [];
  const check = (ok: boolean, what: string): void => {
    console.log(`  ${ok ? 'yes' : 'NO '}  ${what}`);
    if (!ok) failures.push(what);
  };
  try {
    for (let id = 0; id < BUYERS; id++) {
      children.push(forkWithTsx(import.meta.filename, ['buyer', String(id), dir]));
    }
    const readies = await Promise.all(children.map((c) => nextMessage<Ready>(c, 'ready', 15_000)));
    console.log(`stock ${STOCK}; ${BUYERS} buyer processes joined:`);
    for (const r of readies) console.log(`  p${r.id} is ${r.role}`);

    console.log(`\neach buyer sends ${EACH_WANTS} purchases at once, each "only if stock > 0"`);
    const go: ToBuyer = { cmd: 'go' };
    const bought = await Promise.all(children.map((c) => ask<Bought>(c, go, 'bought', 15_000)));
    for (const b of bought) {
      const refused = b.reasons.length;
      console.log(
        `  p${b.id} bought ${b.applied}, refused ${refused}${refused ? ` (reason: ${[...new Set(b.reasons)].join(', ')})` : ''}`,
      );
    }

    // Every result is in; have each process catch up to the last ordered purchase.
    const last = Math.max(...bought.map((b) => b.lastVersion));
    const final: ToBuyer = { cmd: 'final', atLeast: last };
    const finals = await Promise.all(children.map((c) => ask<Final>(c, final, 'final', 12_000)));
    console.log('\nevery process now sees:');
    for (const f of finals) {
      const { stock, orders } = f.data;
      console.log(`  p${f.id}: stock ${stock}, ${orders.length} orders (version ${f.version})`);
    }

    const applied = bought.reduce((n, b) => n + b.applied, 0);
    const reasons = bought.flatMap((b) => b.reasons);
    const wanted = BUYERS * EACH_WANTS;
    console.log('\nchecks:');
    check(applied === STOCK, `exactly ${STOCK} of ${wanted} purchases applied (${applied})`);
    check(
      reasons.length === wanted - STOCK && reasons.every((r) => r === 'condition'),
      `the other ${wanted - STOCK} resolved applied: false, reason 'condition'`,
    );
    check(
      bought.every((b) => b.rejectedEvents === b.reasons.length),
      "each refusal also fired a 'rejected' event in its writer",
    );
    const reference = finals[0]?.data;
    check(
      finals.every((f) => f.data.stock === 0 && f.data.orders.length === STOCK),
      'every process ends with stock 0 and 10 orders: nothing oversold',
    );
    check(
      finals.every((f) => isDeepStrictEqual(f.data, reference)),
      'every process lists the same orders in the same order',
    );

    const stop: ToBuyer = { cmd: 'stop' };
    await Promise.all(children.map((c) => stopChild(c, stop, 5_000)));
  } finally {
    for (const child of children) killIfRunning(child);
    rmSync(dir, { recursive: true, force: true });
  }
  if (failures.length > 0) {
    console.log(`\nFAILED: ${failures.join('; ')}`);
    process.exitCode = 1;
  } else {
    console.log('\nthe condition was judged in order, the same way everywhere');
  }
}
