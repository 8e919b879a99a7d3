/** Cold start, the floor: a Node process that only reports it is running (no library loaded). */
import { wallNow } from '../lib/clock.js';
import { reportAndExit } from './serve.js';

reportAndExit({ event: 'cold', at: wallNow(), sinceOrigin: performance.now(), value: null });
