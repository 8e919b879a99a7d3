/**
 * Redis's own security, passed through: a redis-server that takes TLS only on TCP (a
 * throw-away CA made with openssl) and one ACL user limited to the mesh's keys and the few
 * commands memsync sends (the default user off). Two machines order through it; that user can
 * touch no other key; a host given a wrong password says so with ERR_BACKPLANE.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, Machines } from '../../support/machines.js';
import { makeTlsFiles, type TlsFiles } from '../../support/tls-certs.js';

/** What memsync's host sends (ioredis's ready check is INFO), and the function's own calls. */
const COMMANDS = ['+fcall', '+function|load', '+xread', '+hget', '+hmget', '+info', '+ping', '+xadd', '+xtrim', '+hset', '+hincrby', '+exists'];

describe('Redis AUTH with an ACL user, over TLS', () => {
  let machines: Machines | undefined;
  let tls: TlsFiles | undefined;
  afterEach(async () => {
    try {
      await machines?.[Symbol.asyncDispose]();
    } finally {
      tls?.remove();
      machines = undefined;
      tls = undefined;
    }
  });

  it('orders across machines as that user; the user reaches no other key; a wrong password is ERR_BACKPLANE', { timeout: 90_000 }, async () => {
    tls = makeTlsFiles();
    const files = tls;
    const port = await freePort();
    machines = await Machines.start(3, {
      args: (mesh) => [
        '--tls-port', String(port),
        '--tls-cert-file', files.cert,
        '--tls-key-file', files.key,
        '--tls-ca-cert-file', files.ca,
        '--tls-auth-clients', 'no',
        '--user', 'default', 'off',
        '--user', 'orders-app', 'on', '>s3cret', 'resetkeys', `~memsync:{${mesh}}:*`, '-@all', ...COMMANDS,
      ],
    });
    const redis: RedisOptions = { host: '127.0.0.1', port, tls: { ca: files.caPem }, username: 'orders-app', password: 's3cret' };
    const a = await machines.start(0, { n: 0 }, { redis });
    const b = await machines.start(1, { n: 0 }, { redis });
    const writes = await Promise.all([
      a.call<{ applied: boolean }>('patch', { update: { $inc: { n: 1 } } }),
      b.call<{ applied: boolean }>('patch', { update: { $inc: { n: 10 } } }),
    ]);
    for (const write of writes) expect(write.applied).toBe(true);
    await machines.converged(2);
    for (const w of [a, b]) expect(await w.call('get')).toEqual({ n: 11 });

    // The same user, straight: other keys and the server's admin commands are refused.
    const direct = new Redis({ ...redis, maxRetriesPerRequest: 0, lazyConnect: true });
    try {
      await direct.connect();
      await expect(direct.call('SET', 'someone-else', '1')).rejects.toThrow(/NOPERM/);
      await expect(direct.call('FLUSHALL')).rejects.toThrow(/NOPERM/);
      await expect(direct.call('HGET', `memsync:{${machines.name}}:meta`, 'version')).resolves.toBe('2');
    } finally {
      direct.disconnect();
    }

    const wrong = await machines.start(2, { n: 0 }, { redis: { ...redis, password: 'wrong' } });
    const error = await wrong.waitForEvent((e) => e.event === 'error', 20_000);
    expect(error.code).toBe('ERR_BACKPLANE');
    expect(String(error.message)).toMatch(/Redis refused this host \(check username\/password.*WRONGPASS/);
    // It keeps serving its local state, and took nothing from the order.
    expect((await wrong.call<{ version: number }>('digest')).version).toBe(0);
  });
});
