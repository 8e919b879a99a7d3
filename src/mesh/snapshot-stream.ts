import type { ReplicaSnapshot } from '../document/index.js';
import { ProtocolError } from '../errors.js';
import type { MessageOf } from '../protocol/messages.js';

/** Size of one snapshot part on the wire. */
export const SNAPSHOT_PART_BYTES = 1 << 20;

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Streams a snapshot as JSON text in parts of about {@link SNAPSHOT_PART_BYTES}. The state
 * is serialised one top-level key at a time, yielding to the event loop between parts, so
 * serving a joiner a large document does not stall the host's ordering for long. The
 * state root is immutable (copy-on-write), so it may be read while new versions are applied.
 * `send` returns false when the receiver is gone.
 */
export async function sendSnapshot(
  snapshot: ReplicaSnapshot,
  send: (part: number, last: boolean, data: string) => boolean,
): Promise<void> {
  const { state, ...meta } = snapshot;
  let part = 0;
  let buffer = `${JSON.stringify(meta).slice(0, -1)},"state":{`;
  let first = true;
  for (const key of Object.keys(state)) {
    buffer += `${first ? '' : ','}${JSON.stringify(key)}:${JSON.stringify(state[key])}`;
    first = false;
    while (buffer.length >= SNAPSHOT_PART_BYTES) {
      if (!send(part++, false, buffer.slice(0, SNAPSHOT_PART_BYTES))) return;
      buffer = buffer.slice(SNAPSHOT_PART_BYTES);
      await yieldToLoop();
    }
  }
  send(part, true, `${buffer}}}`);
}

/** Collects snapshot parts in order and parses the whole once the last part is in. */
export class SnapshotAssembler {
  private parts: string[] = [];
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** Returns the snapshot when complete, undefined while parts are missing. */
  add(message: MessageOf<'snapshot'>): ReplicaSnapshot | undefined {
    if (message.part !== this.parts.length) {
      throw new ProtocolError('ERR_PROTOCOL', `snapshot part ${message.part} out of order`);
    }
    this.bytes += message.data.length;
    if (this.bytes > this.maxBytes)
      throw new ProtocolError('ERR_LIMIT_EXCEEDED', 'snapshot too large');
    this.parts.push(message.data);
    if (!message.last) return undefined;
    const text = this.parts.join('');
    this.parts = [];
    try {
      // Shape and content are checked by Replica.fromSnapshot.
      return JSON.parse(text) as ReplicaSnapshot;
    } catch (error) {
      throw new ProtocolError('ERR_PROTOCOL', 'snapshot is not valid JSON', { cause: error });
    }
  }

  get receiving(): boolean {
    return this.parts.length > 0;
  }
}
