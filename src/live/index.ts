export { createLive } from './live.js';
export type { LiveSource } from './live-session.js';
