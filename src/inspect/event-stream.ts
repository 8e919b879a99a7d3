/**
 * `GET /events`: Server-Sent Events of one replica. A new stream opens with the whole state
 * (`state`), so a client needs no separate read and cannot miss a change between the two;
 * then `change` per change (the new value at each changed path) and `status` when members
 * or roles change. A client that stops reading is cut off past a bound (EventSource then
 * reconnects and starts again from a fresh `state`) rather than buffered without end.
 */
import type { ServerResponse } from 'node:http';
import type { ChangeEvent } from '../events.js';
import type { MemSync } from '../memsync.js';
import { getAt } from '../observe/index.js';
import type { JsonObject, JsonValue } from '../types.js';

/** Bytes queued for one SSE client before it is dropped. */
const MAX_QUEUED_BYTES = 8 << 20;
const KEEPALIVE_MS = 15_000;

/** The `change` event's data: one entry per changed path, `value` absent when deleted. */
export interface ChangeMessage {
  version: number;
  origin: string;
  local: boolean;
  changes: { path: string; value?: JsonValue }[];
}

export function changeMessage<T extends object>(event: ChangeEvent<T>): ChangeMessage {
  const data = event.data as unknown as JsonObject;
  return {
    version: event.version,
    origin: event.origin,
    local: event.local,
    changes: event.paths.map((path) => {
      const value = getAt(data, path);
      return value === undefined ? { path } : { path, value };
    }),
  };
}

export class EventStreams<T extends object> {
  private readonly clients = new Set<ServerResponse>();
  private readonly keepalive: NodeJS.Timeout;
  private readonly detach: () => void;

  constructor(private readonly mem: MemSync<T>) {
    const onChange = (event: ChangeEvent<T>): void => {
      if (this.clients.size > 0) this.broadcast('change', changeMessage(event));
    };
    const onStatus = (): void => {
      if (this.clients.size > 0) void this.mem.status().then((s) => this.broadcast('status', s));
    };
    mem.on('change', onChange);
    mem.on('peer', onStatus);
    mem.on('role', onStatus);
    this.detach = () => {
      mem.off('change', onChange);
      mem.off('peer', onStatus);
      mem.off('role', onStatus);
    };
    this.keepalive = setInterval(() => {
      for (const client of this.clients) this.write(client, ': keepalive\n\n');
    }, KEEPALIVE_MS);
    this.keepalive.unref();
  }

  async open(response: ServerResponse): Promise<void> {
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      Connection: 'keep-alive',
    });
    this.clients.add(response);
    response.on('close', () => this.clients.delete(response));
    this.write(response, frame('state', { version: this.mem.version, data: this.mem.data }));
    this.write(response, frame('status', await this.mem.status()));
  }

  close(): void {
    clearInterval(this.keepalive);
    this.detach();
    for (const client of this.clients) client.end();
    this.clients.clear();
  }

  private broadcast(event: string, data: unknown): void {
    const text = frame(event, data);
    for (const client of this.clients) this.write(client, text);
  }

  private write(client: ServerResponse, text: string): void {
    if (client.writableLength > MAX_QUEUED_BYTES) {
      this.clients.delete(client);
      client.destroy();
      return;
    }
    client.write(text);
  }
}

function frame(event: string, data: unknown): string {
  // JSON has no raw newlines, so one `data:` line carries it whole.
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
