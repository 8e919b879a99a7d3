import { describe, expect, it } from 'vitest';
import { MemSyncError } from '../../../src/errors.js';
import { sealSent, sendEntries } from '../../../src/mesh/entry-broadcast.js';
import { EntryLog } from '../../../src/mesh/entry-log.js';
import { sendInBatches } from '../../../src/mesh/frame-batches.js';
import { resolveOptions } from '../../../src/options.js';
import { parseMessage } from '../../../src/protocol/messages.js';
import { encodeFrame } from '../../../src/transport/framing.js';
import type { Connection } from '../../../src/transport/types.js';
import type { OrderedPatch } from '../../../src/types.js';

/** A send that refuses, as the transport does, any message whose frame is over `max` bytes. */
function framedSend(max: number, out: unknown[]): (message: unknown) => void {
  return (message) => {
    encodeFrame(message, max);
    out.push(message);
  };
}

describe('sendInBatches', () => {
  it('sends everything in one message when it fits, and halves until each part fits', () => {
    const items = Array.from({ length: 10 }, (_, i) => 'x'.repeat(100) + i);
    const whole: unknown[] = [];
    sendInBatches(items, (batch) => ({ batch }), framedSend(10_000, whole));
    expect(whole).toHaveLength(1);
    const split: { batch: string[] }[] = [];
    sendInBatches(items, (batch) => ({ batch }), framedSend(350, split as unknown[]));
    expect(split.length).toBeGreaterThan(3);
    // In order, each item once.
    expect(split.flatMap((m) => m.batch)).toEqual(items);
  });

  it('throws when a single item alone does not fit, and passes other errors on at once', () => {
    expect(() => sendInBatches(['x'.repeat(1000)], (batch) => ({ batch }), framedSend(100, []))).toThrow(
      expect.objectContaining({ code: 'ERR_LIMIT_EXCEEDED' }),
    );
    let calls = 0;
    const failing = (): void => {
      calls++;
      throw new MemSyncError('ERR_CONNECTION', 'gone');
    };
    expect(() => sendInBatches([1, 2, 3, 4], (batch) => batch, failing)).toThrow(/gone/);
    expect(calls).toBe(1);
  });
});

describe('sendEntries', () => {
  it('splits a broadcast that would exceed a frame, and every member gets every entry in order', () => {
    const entries: OrderedPatch[] = Array.from({ length: 40 }, (_, i) => ({
      version: i + 1,
      epoch: 1,
      patch: { peer: 'w', seq: i + 1, ts: i + 1, update: { $set: { [`k${i}`]: 'v'.repeat(200) } } },
    }));
    const received: unknown[][] = [[], []];
    const members = received.map((out) => ({ send: framedSend(2_000, out as unknown[]) }) as unknown as Connection);
    const log = new EntryLog(100);
    for (const entry of entries) log.append(entry);
    for (const sent of sendEntries(entries, 1, members, false, 2_000)) sealSent(log, sent);
    for (const out of received) {
      expect(out.length).toBeGreaterThan(1);
      const versions = out.flatMap((m) => {
        const message = parseMessage(m);
        return message.type === 'entries' ? message.entries.map((e) => e.version) : [];
      });
      expect(versions).toEqual(entries.map((e) => e.version));
    }
    expect(log.after(0, 40)).toEqual(entries);
  });
});

describe('frame and patch limits', () => {
  it('refuses a maxFrameBytes that could not carry one largest patch eight times over', () => {
    expect(() => resolveOptions({ limits: { maxFrameBytes: 4 << 20 } })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    );
    expect(resolveOptions({ limits: { maxFrameBytes: 1 << 20, maxPatchBytes: 128 << 10 } }).limits.maxFrameBytes).toBe(
      1 << 20,
    );
  });
});
