import { afterEach, describe, expect, it } from 'vitest';
import { MemSync, type MemSyncOptions, RemoteError } from '../../../src/index.js';
import { createLoopbackTransport } from '../../../src/transport/loopback.js';

/** Events, RPC and locks between replicas of one process over the loopback transport. */
describe('messaging over the loopback transport', () => {
  const open: MemSync[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((m) => m.stop()));
  });

  let options: MemSyncOptions = {};
  async function mesh(count: number, extra: MemSyncOptions = {}): Promise<MemSync[]> {
    options = { transport: createLoopbackTransport(), path: `/loopback/msg-${Math.random()}`, gatherMs: 20, ...extra };
    const out: MemSync[] = [];
    for (let i = 0; i < count; i++) {
      const m = new MemSync('msg', { n: 0 }, { ...options, id: `p${i}` });
      open.push(m);
      await m.start();
      out.push(m);
    }
    return out;
  }

  it('a lock has one holder at a time; the next waiter gets it on release, with a larger token', async () => {
    const [a, b] = await mesh(2);
    const la = await a!.lock('x');
    let bGot = false;
    const before = a!.version;
    const pb = b!.lock('x').then((l) => {
      bGot = true;
      return l;
    });
    // Its request is ordered (the entry that queues it), and it is not granted.
    await b!.whenVersion(before + 1, { timeout: 2000 });
    await Promise.resolve();
    expect(bGot).toBe(false);
    await la.release();
    const lb = await pb;
    expect(lb.token).toBeGreaterThan(la.token);
    await lb.release();
    // The host's own lock works too, and a timeout rejects while it is held.
    const lc = await a!.lock('x');
    await expect(b!.lock('x', { timeout: 50 })).rejects.toMatchObject({ code: 'ERR_TIMEOUT' });
    await lc.release();
    const ld = await b!.lock('x', { timeout: 1000 });
    expect(ld.token).toBeGreaterThan(lc.token);
    await ld.release();
    expect(JSON.stringify(a!.data)).toBe('{"n":0}');
  });

  it('own patches written before release() are ordered before it; abort withdraws a waiting request', async () => {
    const [a, b] = await mesh(2);
    const held = await b!.lock('z');
    const written = b!.patch({ $inc: { n: 1 } });
    const next = a!.lock('z');
    const aborted = new AbortController();
    const gaveUp = a!.lock('z', { signal: aborted.signal });
    aborted.abort();
    await expect(gaveUp).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    await held.release();
    const { version } = await written;
    const granted = await next;
    // The grant is the release's entry: after the patch written before it.
    expect(granted.token).toBeGreaterThan(version);
    await granted.release();
    // The aborted request was withdrawn: nobody holds z now.
    const again = await b!.lock('z', { timeout: 1000 });
    await again.release();
  });

  it('a listener that throws is reported through error; other listeners and later events still arrive', async () => {
    const [a, b] = await mesh(2);
    const errors: string[] = [];
    a!.on('error', (e) => errors.push(e.code));
    const got: number[] = [];
    a!.events.on('e', () => {
      throw new Error('listener bug');
    });
    a!.events.on('e', (n) => got.push(n as number));
    b!.events.emit('e', 1);
    b!.events.emit('e', 2);
    const deadline = Date.now() + 2000;
    while (got.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(got).toEqual([1, 2]);
    expect(errors).toEqual(['ERR_OBSERVER', 'ERR_OBSERVER']);
  });

  it('a joiner receives the lock table with its snapshot (never in the document): it waits its turn', async () => {
    const [a] = await mesh(1);
    const held = await a!.lock('t');
    const waiter = a!.lock('t', { timeout: 5000 });
    // Joins now: version > 0, so it starts from a snapshot of the host's state and table.
    const b = new MemSync('msg', { n: 0 }, { ...options, id: 'late' });
    open.push(b);
    await b.start();
    expect(b.data).toEqual({ n: 0 });
    let got = false;
    const mine = b.lock('t', { timeout: 5000 }).then((l) => ((got = true), l));
    // Written after the request, so ordered after it: once it resolves, b has applied its request.
    await b.patch({ $inc: { n: 0 } });
    expect(got).toBe(false);
    await held.release();
    const second = await waiter;
    expect(got).toBe(false);
    await second.release();
    const third = await mine;
    expect(third.token).toBeGreaterThan(second.token);
    await third.release();
  });

  it('a stopped holder frees its lock for the next waiter', async () => {
    const [a, b, c] = await mesh(3);
    await c!.lock('y');
    const pa = a!.lock('y', { timeout: 5000 });
    await c!.stop();
    const la = await pa;
    expect(la.lost).toBe(false);
    await la.release();
    void b;
  });

  it('events reach every other process in one order; RPC returns results and remote errors', async () => {
    const [a, b, c] = await mesh(3, { rpc: { double: (x) => (x as number) * 2 } });
    const seen: Record<string, unknown[]> = { p0: [], p1: [], p2: [] };
    for (const m of [a!, b!, c!]) m.events.on('tick', (payload, meta) => seen[m.id]!.push([meta.from, payload]));
    for (let i = 0; i < 20; i++) (i % 2 ? b! : c!).events.emit('tick', i);
    const deadline = Date.now() + 2000;
    while (seen.p0!.length + seen.p1!.length + seen.p2!.length < 40 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(seen.p0).toHaveLength(20);
    expect(seen.p1).toHaveLength(10);
    expect(seen.p2).toHaveLength(10);
    expect(await c!.call('double', 21)).toBe(42);
    c!.handle('boom', () => {
      throw Object.assign(new Error('no way'), { code: 'E_NOPE' });
    });
    const error = await b!.call('boom', null).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ code: 'ERR_REMOTE', remoteCode: 'E_NOPE', message: 'no way' });
    await expect(a!.call('missing', 1)).rejects.toMatchObject({ code: 'ERR_NO_HANDLER' });
    await expect(a!.call('double', 1, { peer: 'nobody' })).rejects.toMatchObject({ code: 'ERR_NO_HANDLER' });
    expect(await a!.call('double', 4, { peer: 'p1' })).toBe(8);
  });
});

describe('messaging input is checked like a patch', () => {
  const open: MemSync[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((m) => m.stop()));
  });

  it('refuses non-JSON, reserved keys, oversized values and bad names, before anything is sent', async () => {
    const m = new MemSync('checks', {}, { transport: createLoopbackTransport(), path: '/loopback/checks', gatherMs: 20, limits: { maxPatchBytes: 1024 } });
    open.push(m);
    expect(() => m.events.emit('x', 1)).toThrow(expect.objectContaining({ code: 'ERR_NOT_STARTED' }));
    await m.start();
    expect(() => m.events.emit('x', (() => 1) as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_VALUE' }));
    expect(() => m.events.emit('x', JSON.parse('{"__proto__":{"polluted":1}}'))).toThrow(expect.objectContaining({ code: 'ERR_RESERVED_KEY' }));
    expect(() => m.events.emit('x', 'y'.repeat(5000))).toThrow(expect.objectContaining({ code: 'ERR_LIMIT_EXCEEDED' }));
    expect(() => m.events.emit('', 1)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    await expect(m.call('y'.repeat(300), 1)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(m.call('f', { big: 'y'.repeat(5000) })).rejects.toMatchObject({ code: 'ERR_LIMIT_EXCEEDED' });
    await expect(m.lock('l', { limit: 0 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(m.lock('l', { timeout: -1 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    m.handle('big', () => 'y'.repeat(5000));
    await expect(m.call('big', null)).rejects.toMatchObject({ code: 'ERR_REMOTE' });
    expect(() => new MemSync('x', {}, { rpc: { f: 1 as never } })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
    expect(JSON.stringify(m.data)).toBe('{}');
  });
});
