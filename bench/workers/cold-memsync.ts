/**
 * Cold start, memsync: a fresh process that joins the mesh at argv[2] (its socket path),
 * reads one value and reports when it had it, then leaves. Everything happens at load time:
 * nothing waits for the parent, so "process start -> first value" is all this process's.
 */
import { MemSync } from '../../src/index.js';
import { wallNow } from '../lib/clock.js';
import { reportAndExit } from './serve.js';

const [path, key] = process.argv.slice(2);
if (!path || !key) throw new Error('usage: cold-memsync <socket path> <key>');
const mem = new MemSync('bench', {}, { path });
await mem.start();
const value = (mem.data as Record<string, unknown>)[key];
reportAndExit({ event: 'cold', at: wallNow(), sinceOrigin: performance.now(), value: value === undefined ? null : String(value) });
