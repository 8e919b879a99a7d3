/**
 * Memory for the compact frames one client's log keeps (entry-broadcast.ts, SealedCompact).
 * A received frame's body is a view of the socket's whole chunk, which the log must not keep
 * alive: it is copied. One ArrayBuffer per frame (Buffer.allocUnsafeSlow) made that copy cost
 * about as much as decoding the frame's records (a native allocation, and the GC's work to
 * sweep each one); here frames are copied one after another into slabs instead.
 *
 * A slab is freed once the log has dropped every frame in it, and the log drops frames in the
 * order it kept them: one arena per log keeps what it holds alive at most one slab beyond its
 * frames (an arena shared by two logs could let an idle one pin slabs the other filled).
 */
const SLAB_BYTES = 64 * 1024;
/** Larger frames get memory of their own: a slab holds at least eight of the largest. */
const OWN_BYTES = SLAB_BYTES / 8;

export class FrameArena {
  #slab: Buffer | undefined;
  #used = 0;

  /** `body`'s bytes in memory that holds nothing it does not need (`body` itself when it fills its own). */
  readonly keep = (body: Buffer): Buffer => {
    if (body.byteOffset === 0 && body.buffer.byteLength === body.length) return body;
    const length = body.length;
    if (length > OWN_BYTES) {
      const own = Buffer.allocUnsafeSlow(length);
      body.copy(own);
      return own;
    }
    let slab = this.#slab;
    if (slab === undefined || this.#used + length > SLAB_BYTES) {
      slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.#slab = slab;
      this.#used = 0;
    }
    const at = this.#used;
    body.copy(slab, at);
    this.#used = at + length;
    return slab.subarray(at, at + length);
  };
}
