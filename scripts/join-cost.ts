/**
 * What joins cost the host (#11): `node --import tsx scripts/join-cost.ts [400 800]`.
 * A host process (a child running the tree's src/, from the current directory, so the same
 * script measures another checkout) and N raw peers that join it over its Unix socket:
 *
 * - `readers`: host-capable members that read and acknowledge every member change, as honest
 *   ones do (the host welcomes a joiner only once every such member knows of it). Printed: the
 *   host's CPU (user + system) from the first hello to the last welcome.
 * - `silent`: clientOnly members that never read after their welcome. Printed: the host's
 *   RSS once all have joined (what it queues for them).
 *
 * Peers join 20 at a time. Also printed: the `members` deltas all peers received up to the
 * last welcome (each one a reader acknowledges), per join. A measurement, not a test: nothing
 * is asserted.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

type Msg = Record<string, unknown>;
const src = (file: string) => pathToFileURL(join(process.cwd(), 'src', file)).href;

if (process.argv[2] === '--host') {
  const { MemSync } = (await import(src('index.ts'))) as typeof import('../src/index.js');
  const mem = new MemSync(process.argv[3]!, { n: 0 }, { dir: process.argv[4]!, timeout: 60_000 });
  await mem.start();
  const status = await mem.status();
  process.send!({ path: status.address.path });
  process.on('message', () => {
    const cpu = process.cpuUsage();
    process.send!({ cpuMs: (cpu.user + cpu.system) / 1000, rssMb: process.memoryUsage().rss / 1e6 });
  });
} else {
  const { PROTOCOL_VERSIONS } = (await import(src('protocol/messages.ts'))) as typeof import('../src/protocol/messages.js');
  const counts = process.argv.slice(2).map(Number).filter((n) => n > 0);
  for (const n of counts.length ? counts : [400, 800]) {
    for (const mode of ['readers', 'silent'] as const) console.log(await measure(n, mode, [...PROTOCOL_VERSIONS]));
  }
}

async function measure(n: number, mode: 'readers' | 'silent', protocols: number[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'join-cost-'));
  const mesh = `join-cost-${process.pid}`;
  // Its warnings (members dropped as stalled) are counted below, not printed.
  const host = fork(new URL(import.meta.url), ['--host', mesh, dir], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'ignore', 'ipc'] });
  const ask = () => new Promise<Msg>((resolve) => { host.once('message', (m) => resolve(m as Msg)); host.send('?'); });
  const peers: Socket[] = [];
  const deltas = { received: 0 };
  try {
    const { path } = await new Promise<Msg>((resolve) => host.once('message', (m) => resolve(m as Msg)));
    const before = await ask();
    const started = performance.now();
    for (let i = 0; i < n; i += 20) {
      const batch = Array.from({ length: Math.min(20, n - i) }, (_, k) => join1(String(path), mesh, `p${i + k}`, mode, protocols, deltas));
      peers.push(...(await Promise.all(batch)));
    }
    const wallMs = performance.now() - started;
    const received = deltas.received;
    const after = await ask();
    const cpu = Number(after.cpuMs) - Number(before.cpuMs);
    // Members the host cut off (too slow to acknowledge a joiner, in its eyes) did less work.
    const dropped = peers.filter((s) => s.closed).length;
    return `${n} ${mode}: host CPU ${cpu.toFixed(0)} ms, wall ${wallMs.toFixed(0)} ms, host RSS ${Number(after.rssMb).toFixed(0)} MB, members cut off ${dropped}, deltas ${received} (${(received / n).toFixed(1)} per join)`;
  } finally {
    for (const s of peers) s.destroy();
    host.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One raw peer: hello, and resolves at its welcome; a reader acknowledges member changes. */
function join1(
  path: string,
  mesh: string,
  peer: string,
  mode: 'readers' | 'silent',
  protocols: number[],
  deltas: { received: number },
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let pending = Buffer.alloc(0);
    let epoch = 0;
    const send = (m: Msg) => {
      const body = Buffer.from(JSON.stringify(m));
      const header = Buffer.alloc(4);
      header.writeUInt32BE(body.length);
      socket.write(Buffer.concat([header, body]));
    };
    socket.on('error', reject);
    socket.on('connect', () =>
      send({ type: 'hello', protocols, mesh, peer, clientOnly: mode === 'silent', pid: process.pid, version: 0, entryEpoch: 0, knownEpoch: 0 }),
    );
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32BE(0)) {
        const m = JSON.parse(pending.subarray(4, 4 + pending.readUInt32BE(0)).toString()) as Msg;
        pending = pending.subarray(4 + pending.readUInt32BE(0));
        if (m.type === 'welcome') {
          epoch = Number(m.epoch);
          if (mode === 'silent') socket.pause();
          resolve(socket);
        } else if (m.type === 'members' && mode === 'readers') {
          deltas.received++;
          send({ type: 'ack', epoch, version: 0, members: m.seq });
        }
      }
    });
  });
}
