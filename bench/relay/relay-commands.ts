/** The commands a relay worker runs, and what each answers. Types only. */

export type RelayCommand =
  /** Listens on `path` and relays: every patch submitted is numbered and sent to everyone. */
  | { cmd: 'host'; path: string }
  /** Connects to the relay host at `path`. */
  | { cmd: 'connect'; path: string }
  /** Counts relayed patches until `target`; reports a `counted` event for `key` then. */
  | { cmd: 'count'; key: string; target: number }
  /** `count` patches, `window` in flight, each awaited until it comes back relayed. */
  | { cmd: 'write'; count: number; window: number }
  | { cmd: 'pong' }
  | { cmd: 'ping'; rounds: number; warmup: number }
  /** Listens on `path` and sends each connection the bench document of `mb` MB as one frame. */
  | { cmd: 'serveDocument'; path: string; mb: number }
  /** Connects to `path` and parses the document it sends: the floor of a join. */
  | { cmd: 'fetchDocument'; path: string };

export interface RelayResults {
  host: true;
  connect: true;
  count: true;
  write: { start: number; end: number; applied: number };
  pong: true;
  ping: number[];
  serveDocument: true;
  fetchDocument: { ms: number; jsonBytes: number };
}
