/**
 * A progress bar on stderr while a terminal user waits for a large state to arrive, drawn
 * from the joiner's `memsync:snapshot:part` messages: received out of the total the host
 * announces, or (a host that announces none) parts counted as they come.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { CHANNELS, type SnapshotPartMessage } from '../diagnostics/index.js';

const PART_KB = 64;
const REDRAW_MS = 100;
const BAR_WIDTH = 30;

const mb = (bytes: number): string => (bytes / (1 << 20)).toFixed(1);

/** The line for one part: a bar with a percentage when the total is known. */
export function progressLine(part: SnapshotPartMessage): string {
  if (part.bytes !== undefined && part.total !== undefined && part.total > 0) {
    const ratio = Math.min(1, part.bytes / part.total);
    const filled = Math.round(ratio * BAR_WIDTH);
    const bar = `${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}`;
    return `receiving the state [${bar}] ${String(Math.floor(ratio * 100)).padStart(3)}% ${mb(part.bytes)}/${mb(part.total)} MB`;
  }
  const parts = part.part + 1;
  return `receiving the state: ${parts} parts, ~${((parts * PART_KB) / 1024).toFixed(1)} MB`;
}

/** Starts showing the join progress of peer `id`; the returned function clears it. */
export function showJoinProgress(id: string, stream: NodeJS.WriteStream = process.stderr): () => void {
  if (!stream.isTTY) return () => undefined;
  let drawnAt = 0;
  let drawn = false;
  const onPart = (message: unknown): void => {
    const part = message as SnapshotPartMessage;
    if (part.peer !== id) return;
    const now = Date.now();
    // A small state comes in one part: nothing worth drawing.
    if (part.last || part.part < 1 || now - drawnAt < REDRAW_MS) return;
    drawnAt = now;
    drawn = true;
    stream.write(`\r${progressLine(part)}`);
  };
  diagnosticsChannel.subscribe(CHANNELS.snapshotPart, onPart);
  return () => {
    diagnosticsChannel.unsubscribe(CHANNELS.snapshotPart, onPart);
    if (drawn) stream.write('\r\x1b[2K');
  };
}
