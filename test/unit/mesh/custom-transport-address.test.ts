import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLoopbackTransport, MemSync } from '../../../src/index.js';

describe('a MemSync on a transport of its own', () => {
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('creates no socket directory, and two replicas on one loopback still meet by name', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'memsync-noskt-'));
    made.push(parent);
    const dir = join(parent, 'sockets');
    const transport = createLoopbackTransport();
    const a = new MemSync('by-name', { n: 0 }, { transport, dir });
    const b = new MemSync('by-name', { n: 0 }, { transport, dir });
    expect(existsSync(dir)).toBe(false);
    expect(await a.start()).toBe('host');
    expect(await b.start()).toBe('client');
    const result = await b.patch({ $inc: { n: 1 } });
    await a.whenVersion(result.version, { timeout: 5_000 });
    expect(a.data).toEqual({ n: 1 });
    expect(existsSync(dir)).toBe(false);
    await b.stop();
    await a.stop();
  });

  it('the default transport still creates its socket directory (mode 0700)', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'memsync-skt-'));
    made.push(parent);
    const dir = join(parent, 'sockets');
    const mem = new MemSync('with-socket', {}, { dir });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    await mem.stop();
  });
});
