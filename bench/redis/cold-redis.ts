/**
 * Cold start, Redis: a fresh process that connects to the server at argv[2], reads one
 * field of the document with HGET and reports when it had it, then leaves. Everything
 * happens at load time, as in cold-memsync.ts.
 */
import { Redis } from 'ioredis';
import { wallNow } from '../lib/clock.js';
import { reportAndExit } from '../workers/serve.js';

const [path, hash, key] = process.argv.slice(2);
if (!path || !hash || !key) throw new Error('usage: cold-redis <socket path> <hash> <key>');
const redis = new Redis({ path, maxRetriesPerRequest: 0 });
const value = await redis.hget(hash, key);
reportAndExit({ event: 'cold', at: wallNow(), sinceOrigin: performance.now(), value });
