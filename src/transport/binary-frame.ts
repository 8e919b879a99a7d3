/**
 * A frame whose body is not JSON text but a binary layout some protocol message is packed in
 * (protocol/compact.ts): the transport carries its bytes as they are and hands the receiver
 * this object, which the protocol layer decodes and checks. Its first byte names the layout;
 * a JSON body starts with `{`, so the two can never be mistaken for each other.
 */

/** First bytes of binary bodies: below any byte a JSON text of a message may start with. */
export const BINARY_KINDS_BELOW = 0x09;

/** Whether a frame body (non-empty) holds a binary layout rather than JSON text. */
export function isBinaryBody(body: Uint8Array): boolean {
  return body[0]! < BINARY_KINDS_BELOW;
}

export class BinaryFrame {
  /** The whole frame, length prefix included, when the sender built it so (see `framed`). */
  readonly #framed: Buffer | undefined;

  /**
   * @param body the frame's body, its first byte the layout's kind.
   * @param plain for a transport that can only carry JSON (a test's scripted connection, the
   * simulated network): the same message in its plain JSON form, which receivers also accept.
   */
  constructor(
    readonly body: Buffer,
    private readonly plain?: () => unknown,
    framed?: Buffer,
  ) {
    this.#framed = framed;
  }

  /**
   * A frame to send, built with its 4-byte length prefix already written in front of the
   * body (`frame`): the transport writes it without copying it.
   */
  static framed(frame: Buffer, plain?: () => unknown): BinaryFrame {
    return new BinaryFrame(frame.subarray(4), plain, frame);
  }

  /** The frame with its length prefix, if the sender built it (see `framed`). */
  get framed(): Buffer | undefined {
    return this.#framed;
  }

  get kind(): number {
    return this.body[0]!;
  }

  /** Bytes the body takes (what a log holding it counts against its bound). */
  get length(): number {
    return this.body.length;
  }

  /** JSON.stringify of a binary frame gives the plain message it packs (see `plain`). */
  toJSON(): unknown {
    return this.plain?.();
  }
}
