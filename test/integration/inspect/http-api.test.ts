/**
 * The HTTP API of `memsync serve`, a real process joined to a real mesh: every endpoint,
 * bad input answered with a clear 4xx, and changes from another process on /events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, type Worker, type WorkerStatus } from '../../support/cluster.js';
import { runCli } from '../cli/cli-process.js';
import { type Served, serveMesh } from './serve-process.js';

const json = { 'Content-Type': 'application/json' };

async function errorOf(response: Response): Promise<{ status: number; code: string }> {
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(body.error.message.length).toBeGreaterThan(0);
  return { status: response.status, code: body.error.code };
}

/** Reads SSE frames from `/events` until `stop` returns true for the events so far. */
async function readEvents(url: string, stop: (events: { event: string; data: unknown }[]) => boolean, signal: AbortSignal) {
  const response = await fetch(`${url}events`, { signal });
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const events: { event: string; data: unknown }[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) events.push({ event, data: JSON.parse(data) });
    }
    if (stop(events)) break;
  }
  return events;
}

describe('memsync serve: the HTTP API', () => {
  let cluster: Cluster;
  let host: Worker;
  let served: Served;

  beforeAll(async () => {
    cluster = new Cluster();
    host = (await cluster.start({}, { config: { mode: 'fast' }, hits: 0 })).worker;
    served = await serveMesh(cluster.name, cluster.dir);
  });
  afterAll(async () => {
    served?.cli.stop();
    await cluster?.[Symbol.asyncDispose]();
  });

  it('prints its URL, on loopback', () => {
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('GET /state and /state/<path>: the value, 404 where there is none, 400 for a bad path', async () => {
    const state = await fetch(`${served.url}state`);
    expect(state.status).toBe(200);
    expect(await state.json()).toEqual(await host.call('get'));
    expect(Number(state.headers.get('x-memsync-version'))).toBeGreaterThanOrEqual(0);
    const mode = await fetch(`${served.url}state/config.mode`);
    expect(await mode.json()).toBe('fast');
    expect(await errorOf(await fetch(`${served.url}state/config.nothing`))).toEqual({ status: 404, code: 'ERR_NOT_FOUND' });
    expect(await errorOf(await fetch(`${served.url}state/config..mode`))).toEqual({ status: 400, code: 'ERR_INVALID_PATH' });
    expect(await errorOf(await fetch(`${served.url}state/%E0%A4%A`))).toEqual({ status: 400, code: 'ERR_INVALID_PATH' });
  });

  it('GET /status: the host and the members', async () => {
    const status = (await (await fetch(`${served.url}status`)).json()) as { hostId: string; role: string; members: { peer: string }[] };
    const h = await host.call<WorkerStatus>('status');
    expect(status.hostId).toBe(h.id);
    expect(status.role).toBe('client');
    expect(status.members.map((m) => m.peer)).toContain(h.id);
  });

  it('POST /patch: the PatchResult, and the host has the change', async () => {
    const response = await fetch(`${served.url}patch`, { method: 'POST', headers: json, body: JSON.stringify({ update: { $inc: { hits: 3 } } }) });
    expect(response.status).toBe(200);
    const result = (await response.json()) as { version: number; applied: boolean };
    expect(result).toEqual({ version: expect.any(Number), applied: true });
    await expect.poll(() => host.call('get', { path: 'hits' }), { timeout: 10_000 }).toBe(3);
  });

  it('POST /patch refused when ordered: 409 with the PatchResult', async () => {
    const response = await fetch(`${served.url}patch`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ update: { $set: { 'config.mode': 'x' } }, if: { hits: { $lt: 0 } } }),
    });
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ applied: false, reason: 'condition' });
  });

  it('POST /patch bad input: clear 4xx answers, nothing applied', async () => {
    const post = (body: string, headers: Record<string, string> = json) => fetch(`${served.url}patch`, { method: 'POST', headers, body });
    expect(await errorOf(await post('{not json'))).toEqual({ status: 400, code: 'ERR_BAD_JSON' });
    expect(await errorOf(await post('{"$set":{"a":1}}'))).toEqual({ status: 400, code: 'ERR_BAD_REQUEST' });
    expect(await errorOf(await post('{"update":{"$where":"1"}}'))).toEqual({ status: 400, code: 'ERR_UNKNOWN_OPERATOR' });
    expect(await errorOf(await post('{"update":{"$set":{"constructor.x":1}}}'))).toEqual({ status: 400, code: 'ERR_RESERVED_KEY' });
    expect(await errorOf(await post('{"update":{"$set":{"a":1}}}', { 'Content-Type': 'text/plain' }))).toEqual({ status: 415, code: 'ERR_CONTENT_TYPE' });
    expect(await errorOf(await post(JSON.stringify({ update: { $set: { big: 'x'.repeat(3 << 20) } } })))).toEqual({ status: 413, code: 'ERR_LIMIT_EXCEEDED' });
    expect(await errorOf(await fetch(`${served.url}patch`))).toEqual({ status: 405, code: 'ERR_METHOD' });
    expect(await errorOf(await fetch(`${served.url}nowhere`))).toEqual({ status: 404, code: 'ERR_NOT_FOUND' });
    expect(await host.call('get')).toEqual({ config: { mode: 'fast' }, hits: 3 });
  });

  it('a Host header that is not loopback is refused (DNS rebinding): 421', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(`${served.url}state`, { headers: { Host: 'attacker.example:80' } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
  });

  it('GET /events: the state first, then each change another process makes, with its origin', async () => {
    const controller = new AbortController();
    const { id } = await host.call<WorkerStatus>('status');
    let patched = false;
    const events = await readEvents(
      served.url,
      (seen) => {
        if (!patched && seen.some((e) => e.event === 'state')) {
          patched = true;
          void host.call('patch', { update: { $set: { 'config.mode': 'safe' } } });
        }
        return seen.some((e) => e.event === 'change');
      },
      AbortSignal.any([controller.signal, AbortSignal.timeout(20_000)]),
    );
    controller.abort();
    expect(events[0]).toMatchObject({ event: 'state', data: { data: { config: { mode: 'fast' }, hits: 3 } } });
    expect(events.find((e) => e.event === 'change')?.data).toMatchObject({
      origin: id,
      local: false,
      changes: [{ path: 'config.mode', value: 'safe' }],
    });
  });

  it('beyond loopback without a token it refuses to start; with MEMSYNC_HTTP_TOKEN it asks for it', async () => {
    const refused = await runCli(['serve', cluster.name, '--dir', cluster.dir, '--port', '0', '--host', '0.0.0.0']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^memsync: ERR_INVALID_OPTION: refusing to serve HTTP on 0.0.0.0 without a token/);
    const token = 'token-of-at-least-16-chars';
    const guarded = await serveMesh(cluster.name, cluster.dir, { MEMSYNC_HTTP_TOKEN: token });
    try {
      expect(await errorOf(await fetch(`${guarded.url}state`))).toEqual({ status: 401, code: 'ERR_AUTH' });
      expect(await errorOf(await fetch(`${guarded.url}state`, { headers: { Authorization: 'Bearer wrong-token-wrong-token' } }))).toEqual({ status: 401, code: 'ERR_AUTH' });
      const ok = await fetch(`${guarded.url}state/hits`, { headers: { Authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      expect((await fetch(`${guarded.url}state/hits?token=${token}`)).status).toBe(200);
    } finally {
      guarded.cli.stop();
    }
  });

  it('ends on SIGINT with exit 0', async () => {
    const other = await serveMesh(cluster.name, cluster.dir);
    other.cli.signal('SIGINT');
    expect((await other.cli.exited()).code).toBe(0);
  });
});
