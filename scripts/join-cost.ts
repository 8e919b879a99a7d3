/**
 * What joins cost the host (#11): `node --import tsx scripts/join-cost.ts [400 800]`.
 * A host process (a child running the tree's src/, from the current directory, so the same
 * script measures another checkout) and N raw peers that join it over its Unix socket:
 *
 * - `readers`: host-capable members that read and acknowledge every member change, as honest
 *   ones do (a joiner may write only once every such member knows of it: protocol 7 says so
 *   with `known`, earlier ones by welcoming it only then). Printed: the host's CPU (user +
 *   system) from the first hello until every joiner is known.
 * - `co-readers`: as readers, but clientOnly (`--modes=co-readers`): a mesh where no member
 *   but the host could host, so no acknowledgement gates `known`.
 * - `silent`: clientOnly members that never read after their welcome. Printed: the host's
 *   RSS once all have joined (what it queues for them).
 *
 * Peers join 20 at a time, each batch once the one before was welcomed (as `start()` resolves
 * once in sync). A welcomed reader is handed to one of four processes that read and acknowledge
 * for them, as members are processes of their own: a driver that did both in one loop
 * would itself hold every batch back until it had answered a whole round. Also printed: the
 * `members` deltas the readers received until every joiner was known, per join, and the bytes
 * per join of the welcomes and of those deltas. A measurement,
 * not a test: nothing is asserted.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

type Msg = Record<string, unknown>;
/** Processes that read for the welcomed members (each is handed a share of the sockets). */
const READERS = 4;
const src = (file: string) => pathToFileURL(join(process.cwd(), 'src', file)).href;

/** Calls `each` with every whole frame in `buffer` (and its size); returns what is left of it. */
function frames(buffer: Buffer, each: (m: Msg, bytes: number) => boolean | void): Buffer {
  while (buffer.length >= 4 && buffer.length >= 4 + buffer.readUInt32BE(0)) {
    const bytes = 4 + buffer.readUInt32BE(0);
    const m = JSON.parse(buffer.subarray(4, bytes).toString()) as Msg;
    buffer = buffer.subarray(bytes);
    if (each(m, bytes) === false) break;
  }
  return buffer;
}

function sendFrame(socket: Socket, m: Msg): void {
  const body = Buffer.from(JSON.stringify(m));
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length);
  socket.write(Buffer.concat([header, body]));
}

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
} else if (process.argv[2] === '--readers') {
  // Reads for every reader handed over: acknowledges member lists, says when one is known.
  let deltas = 0;
  let deltaBytes = 0;
  let closed = 0;
  process.on('message', (m: Msg, socket: Socket | undefined) => {
    if (m.count) return process.send!({ deltas, deltaBytes, closed });
    if (!socket) return;
    // Cut off (as stalled) before it was known: it never will be; say so, it is counted.
    socket.on('close', () => {
      closed++;
      process.send!({ known: m.peer });
    });
    const epoch = Number(m.epoch);
    const handle = (f: Msg, bytes: number): void => {
      if (f.type === 'members') {
        deltas++;
        deltaBytes += bytes;
        sendFrame(socket, { type: 'ack', epoch, version: 0, members: f.seq });
      } else if (f.type === 'known') process.send!({ known: m.peer });
    };
    let pending = frames(Buffer.from(String(m.leftover), 'base64'), handle);
    socket.on('data', (chunk: Buffer) => (pending = frames(Buffer.concat([pending, chunk]), handle)));
    socket.on('error', () => {});
    socket.resume();
  });
} else {
  const { PROTOCOL_VERSIONS } = (await import(src('protocol/messages.ts'))) as typeof import('../src/protocol/messages.js');
  const counts = process.argv.slice(2).map(Number).filter((n) => n > 0);
  const modesArg = process.argv.find((a) => a.startsWith('--modes='))?.slice('--modes='.length);
  const modes = (modesArg ? modesArg.split(',') : ['readers', 'silent']) as Mode[];
  for (const n of counts.length ? counts : [400, 800]) {
    for (const mode of modes) console.log(await measure(n, mode, [...PROTOCOL_VERSIONS]));
  }
}

/**
 * `readers`: host-capable members that read; `co-readers`: clientOnly members that read (a
 * mesh where no member could host); `silent`: clientOnly members that never read.
 */
type Mode = 'readers' | 'co-readers' | 'silent';

async function measure(n: number, mode: Mode, protocols: number[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'join-cost-'));
  const mesh = `join-cost-${process.pid}`;
  // Its warnings (members dropped as stalled) are counted below, not printed.
  const host = fork(new URL(import.meta.url), ['--host', mesh, dir], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'ignore', 'ipc'] });
  // Several: Node passes one socket at a time over a channel, each after the child took the last,
  // and with one channel the handover itself lagged past the host's 2 s acknowledgement bound at
  // 1600 members (the members cut off were the ones not yet handed over).
  const readers = Array.from({ length: READERS }, () =>
    fork(new URL(import.meta.url), ['--readers'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  const ask = () => new Promise<Msg>((resolve) => { host.once('message', (m) => resolve(m as Msg)); host.send('?'); });
  const peers: Socket[] = [];
  const known = new Map<string, () => void>();
  for (const reader of readers) reader.on('message', (m: Msg) => known.get(String(m.known))?.());
  try {
    const { path } = await new Promise<Msg>((resolve) => host.once('message', (m) => resolve(m as Msg)));
    const before = await ask();
    const started = performance.now();
    const waits: Promise<void>[] = [];
    const welcomeBytes: number[] = [];
    for (let i = 0; i < n; i += 20) {
      const batch = Array.from({ length: Math.min(20, n - i) }, (_, k) => {
        const id = `p${i + k}`;
        waits.push(new Promise<void>((resolve) => known.set(id, resolve)));
        return join1(String(path), mesh, id, mode, protocols, readers[(i + k) % READERS]!, () => known.get(id)!(), welcomeBytes);
      });
      peers.push(...(await Promise.all(batch)));
    }
    await Promise.all(waits);
    const wallMs = performance.now() - started;
    const countOne = (reader: ChildProcess) =>
      new Promise<Msg>((resolve) => {
        const on = (m: Msg) => {
          if (m.deltas === undefined) return;
          reader.off('message', on);
          resolve(m);
        };
        reader.on('message', on);
        reader.send({ count: true });
      });
    const count = async (): Promise<Msg> => {
      const all = await Promise.all(readers.map(countOne));
      const sum = (key: string) => all.reduce((total, m) => total + Number(m[key]), 0);
      return { deltas: sum('deltas'), deltaBytes: sum('deltaBytes'), closed: sum('closed') };
    };
    // Deltas may still follow the last `known` (where nobody has to know of a joiner first):
    // counted (with the host's CPU) once none came for 1.5 s, longer than any rest.
    let counted = await count();
    for (let quiet = 0; quiet < 5; ) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const again = await count();
      quiet = again.deltas === counted.deltas ? quiet + 1 : 0;
      counted = again;
    }
    const received = Number(counted.deltas);
    const after = await ask();
    const cpu = Number(after.cpuMs) - Number(before.cpuMs);
    // Members the host cut off (too slow to acknowledge, in its eyes) did less work.
    const dropped = mode === 'silent' ? peers.filter((s) => s.closed).length : Number(counted.closed);
    const welcomes = welcomeBytes.reduce((a, b) => a + b, 0);
    const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
    return (
      `${n} ${mode}: host CPU ${cpu.toFixed(0)} ms, wall ${wallMs.toFixed(0)} ms, host RSS ${Number(after.rssMb).toFixed(0)} MB, ` +
      `members cut off ${dropped}, deltas ${received} (${(received / n).toFixed(1)} per join), ` +
      `bytes per join: welcome ${kb(welcomes / n)} (last ${kb(welcomeBytes.at(-1) ?? 0)}), deltas ${kb(Number(counted.deltaBytes) / n)}`
    );
  } finally {
    for (const s of peers) s.destroy();
    host.kill('SIGKILL');
    for (const reader of readers) reader.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One raw peer: hello, and resolves at its welcome; a reader is then handed to `readers`. */
function join1(
  path: string,
  mesh: string,
  peer: string,
  mode: Mode,
  protocols: number[],
  readers: ChildProcess,
  isKnown: () => void,
  welcomeBytes: number[],
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let pending = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('connect', () =>
      sendFrame(socket, { type: 'hello', protocols, mesh, peer, clientOnly: mode !== 'readers', pid: process.pid, version: 0, entryEpoch: 0, knownEpoch: 0 }),
    );
    const onData = (chunk: Buffer) => {
      let welcome: Msg | undefined;
      pending = frames(Buffer.concat([pending, chunk]), (m, bytes) => {
        if (m.type !== 'welcome') return;
        welcome = m;
        welcomeBytes.push(bytes);
        return false;
      });
      if (!welcome) return;
      socket.pause();
      socket.off('data', onData);
      if (mode !== 'silent') {
        // Stop reading at once (pause alone lets the stream read on into its buffer, which the
        // handover would lose), and take what it has read already.
        (socket as unknown as { _handle?: { readStop(): void } })._handle?.readStop();
        for (let more = socket.read() as Buffer | null; more !== null; more = socket.read() as Buffer | null) pending = Buffer.concat([pending, more]);
      }
      // Before protocol 7 a joiner was welcomed only once known; a silent one never reads on.
      if (Number(welcome.protocol) < 7 || mode === 'silent') isKnown();
      // What came after the welcome goes with the socket.
      if (mode !== 'silent') readers.send({ peer, epoch: welcome.epoch, leftover: pending.toString('base64') }, socket);
      resolve(socket);
    };
    socket.on('data', onData);
  });
}
