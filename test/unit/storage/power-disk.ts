import { closeSync, existsSync, openSync, readFileSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { WalFiles } from '../../../src/storage/wal-files.js';
import { SECTOR_BYTES } from '../../../src/storage/wal-record.js';

/** What the disk holds of one log file, as far as a power loss is concerned. */
interface Track {
  /** Its name is on disk (its directory was fsynced after it was created). */
  named: boolean;
  /** Bytes written (the log only appends), and bytes a completed fdatasync covered. */
  written: number;
  synced: number;
  /** Unlinked, but no directory fsync since: a power loss brings it back with these bytes. */
  unlinked?: Buffer;
}

/**
 * How the unsynced bytes of a file fare when the power goes:
 * - `prefix`: some prefix of them reached the disk (ext4 `data=ordered`, the common case);
 * - `zeros`: the file grew but some of that data never got there, read back as zeros (XFS);
 * - `hole`: pages written back out of order: zeros from a point up to a sector boundary,
 *   with written bytes after them.
 */
export type Loss = { kind: 'prefix' | 'zeros' | 'hole'; fraction: number; fraction2: number };

const eio = (): Error => Object.assign(new Error('EIO: the power is off'), { code: 'EIO' });

/**
 * A {@link WalFiles} over the real files that remembers what a power loss would keep. The
 * log writes real segments through it; {@link PowerDisk.cut} turns the power off (every later
 * call fails, every fdatasync not yet done never happened), then {@link PowerDisk.restore}
 * rewrites the files as the disk would hold them. fdatasync is modelled, not run: it
 * completes a macrotask later, covering what was written when it began.
 * LMDB's own files are not modelled: its commits are taken as durable (its ACID guarantee
 * with sync on; the storage awaits LMDB's fsync wherever the log depends on a commit).
 */
export class PowerDisk implements WalFiles {
  private readonly tracks = new Map<string, Track>();
  /** Open descriptors: a file unlinked while open keeps its track here. */
  private readonly fds = new Map<number, Track>();
  private off = false;
  cuts = 0;

  create(path: string): number {
    this.check();
    const fd = openSync(path, 'w');
    const track: Track = { named: false, written: 0, synced: 0 };
    this.tracks.set(path, track);
    this.fds.set(fd, track);
    return fd;
  }

  openExisting(path: string): number {
    this.check();
    const fd = openSync(path, 'r+');
    let track = this.tracks.get(path);
    if (!track) {
      // Written before this disk was watching: on disk already.
      const size = readFileSync(path).length;
      track = { named: true, written: size, synced: size };
      this.tracks.set(path, track);
    }
    this.fds.set(fd, track);
    return fd;
  }

  write(fd: number, bytes: Buffer, offset: number, length: number): number {
    this.check();
    const n = writeSync(fd, bytes, offset, length);
    this.track(fd).written += n;
    return n;
  }

  datasync(fd: number, done: (error: Error | null) => void): void {
    if (this.off) {
      setImmediate(() => done(eio()));
      return;
    }
    const track = this.track(fd);
    const at = track.written;
    const cuts = this.cuts;
    setImmediate(() => {
      if (this.off || this.cuts !== cuts) return done(eio());
      track.synced = Math.max(track.synced, at);
      done(null);
    });
  }

  datasyncNow(fd: number): void {
    this.check();
    const track = this.track(fd);
    track.synced = track.written;
  }

  close(fd: number): void {
    // Closing always works (the process still runs); it syncs nothing.
    if (this.fds.delete(fd)) closeSync(fd);
  }

  syncDir(dir: string): void {
    this.check();
    for (const [path, track] of this.tracks) {
      if (dirname(path) !== dir) continue;
      if (track.unlinked) this.tracks.delete(path);
      else track.named = true;
    }
  }

  unlink(path: string): void {
    this.check();
    const track = this.tracks.get(path);
    if (track?.named) track.unlinked = readFileSync(path).subarray(0, track.synced);
    else this.tracks.delete(path);
    unlinkSync(path);
  }

  /** The power goes: nothing more reaches the disk. */
  cut(): void {
    this.off = true;
    this.cuts++;
  }

  /**
   * Rewrites every log file as the disk holds it after the cut (call once the process's
   * writers are closed), then turns the power back on. Returns what it did, for a failing
   * run's message.
   */
  restore(loss: Loss): string[] {
    const done: string[] = [];
    for (const [path, track] of this.tracks) {
      const name = path.slice(dirname(path).length + 1);
      if (track.unlinked) {
        writeFileSync(path, track.unlinked);
        done.push(`${name} back from the dead (${track.unlinked.length} B)`);
        track.written = track.synced = track.unlinked.length;
        delete track.unlinked;
        continue;
      }
      if (!track.named) {
        if (existsSync(path)) unlinkSync(path);
        this.tracks.delete(path);
        done.push(`${name} lost its name`);
        continue;
      }
      const bytes = readFileSync(path);
      const unsynced = bytes.length - track.synced;
      const kept = track.synced + Math.floor(unsynced * loss.fraction);
      const out = Buffer.from(bytes.subarray(0, kept));
      let after: Buffer = Buffer.alloc(0);
      if (loss.kind === 'zeros') after = Buffer.alloc(Math.floor((bytes.length - kept) * loss.fraction2));
      if (loss.kind === 'hole') {
        // Pages written back out of order: the sector holding `kept` got there when the file
        // ended at `kept` (zeros after it), and so on up to a later sector boundary; the
        // sectors after that did get there.
        const first = Math.floor(kept / SECTOR_BYTES) + 1;
        const last = Math.ceil(bytes.length / SECTOR_BYTES);
        const end = Math.min(bytes.length, (first + Math.floor((last - first) * loss.fraction2)) * SECTOR_BYTES);
        after = Buffer.concat([Buffer.alloc(Math.max(0, end - kept)), bytes.subarray(Math.max(end, kept))]);
      }
      const result = Buffer.concat([out, after]);
      writeFileSync(path, result);
      if (result.length !== bytes.length || unsynced > 0) done.push(`${name}: ${bytes.length} B, ${track.synced} synced, ${kept} kept, ${result.length} on disk`);
      track.written = track.synced = result.length;
    }
    this.off = false;
    return done;
  }

  private check(): void {
    if (this.off) throw eio();
  }

  private track(fd: number): Track {
    const track = this.fds.get(fd);
    if (!track) throw new Error(`power disk: fd ${fd} is not a log file it opened`);
    return track;
  }
}
