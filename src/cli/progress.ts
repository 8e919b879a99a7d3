/**
 * A progress line on stderr while a terminal user waits for a large state to arrive. The
 * snapshot does not announce its size, so this counts parts (~64 KB each) as they come.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { CHANNELS, type SnapshotPartMessage } from '../diagnostics/index.js';

const PART_KB = 64;
const REDRAW_MS = 100;

/** Starts showing the join progress of peer `id`; the returned function clears it. */
export function showJoinProgress(id: string, stream: NodeJS.WriteStream = process.stderr): () => void {
  if (!stream.isTTY) return () => undefined;
  let parts = 0;
  let drawnAt = 0;
  let drawn = false;
  const onPart = (message: unknown): void => {
    const part = message as SnapshotPartMessage;
    if (part.peer !== id) return;
    parts = part.part + 1;
    const now = Date.now();
    // A small state comes in one part: nothing worth drawing.
    if (part.last || parts < 2 || now - drawnAt < REDRAW_MS) return;
    drawnAt = now;
    drawn = true;
    const mb = ((parts * PART_KB) / 1024).toFixed(1);
    stream.write(`\rreceiving the state: ${parts} parts, ~${mb} MB`);
  };
  diagnosticsChannel.subscribe(CHANNELS.snapshotPart, onPart);
  return () => {
    diagnosticsChannel.unsubscribe(CHANNELS.snapshotPart, onPart);
    if (drawn) stream.write('\r\x1b[2K');
  };
}
