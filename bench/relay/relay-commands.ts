/** The commands a relay worker runs, and what each answers. Types only. */

export type RelayCommand =
  /** Listens on `path` and relays: every patch submitted is numbered and sent to everyone. */
  | { cmd: 'host'; path: string }
  /** Connects to the relay host at `path`. */
  | { cmd: 'connect'; path: string }
  /** Counts relayed patches until `target`; reports a `counted` event then (host or peer). */
  | { cmd: 'count'; target: number }
  /** `count` patches, `window` in flight, each awaited until it comes back relayed. */
  | { cmd: 'write'; count: number; window: number }
  | { cmd: 'pong' }
  | { cmd: 'ping'; rounds: number; warmup: number };

export interface RelayResults {
  host: true;
  connect: true;
  count: true;
  write: { start: number; end: number; applied: number };
  pong: true;
  ping: number[];
}
