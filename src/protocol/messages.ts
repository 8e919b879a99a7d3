/**
 * The wire protocol: every message a peer may send, as a discriminated union on `type`
 * with full-word names. Each inbound message is checked against a compiled schema before
 * anything else touches it; the deep content of a patch (operators, paths, values) is
 * checked afterwards by the document layer's validator, which knows the operator rules.
 */
import { type Static, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ProtocolError } from '../errors.js';
import { BinaryFrame } from '../transport/binary-frame.js';
import { decodeCompact } from './compact-decode.js';
import { Count, Epoch, LockOpSchema, MessagingName, PatchSchema, PeerId } from './patch-schema.js';

/** Protocol versions this build speaks, newest first. `hello` carries them; the host picks one. */
export const PROTOCOL_VERSIONS = [11] as const;

const EntrySchema = Type.Object(
  { version: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), epoch: Epoch, patch: PatchSchema },
  { additionalProperties: false },
);

/** A binding key: the hash of the token its process proves the id with (mesh/identity.ts). */
const IdKey = Type.String({ minLength: 1, maxLength: 64 });

const MemberSchema = Type.Object(
  { peer: PeerId, clientOnly: Type.Boolean(), pid: Type.Optional(Type.Integer()), key: Type.Optional(IdKey) },
  { additionalProperties: false },
);

const Hello = Type.Object({
  type: Type.Literal('hello'),
  protocols: Type.Array(Type.Integer(), { minItems: 1, maxItems: 16 }),
  mesh: Type.String({ maxLength: 256 }),
  peer: PeerId,
  clientOnly: Type.Boolean(),
  pid: Type.Optional(Type.Integer()),
  /** This process's random token: the id is bound to it (mesh/identity.ts); only hosts see it. */
  token: Type.Optional(Type.String({ minLength: 16, maxLength: 64 })),
  /** Highest version this replica has applied, and the epoch that ordered it. */
  version: Count,
  entryEpoch: Epoch,
  /** Newest epoch this peer has seen: a host older than that must not lead it. */
  knownEpoch: Epoch,
  /** The store this process was given (options.storage), which must be the host's. */
  storage: Type.Optional(Type.String({ maxLength: 4096 })),
  /** With a shared secret: the client's nonce and its proof over both nonces (see mesh/auth.ts). */
  nonce: Type.Optional(Type.String({ maxLength: 64 })),
  proof: Type.Optional(Type.String({ maxLength: 128 })),
});

/** Sent first by a host that has a shared secret: the nonce the client must prove against. */
const Challenge = Type.Object({
  type: Type.Literal('challenge'),
  nonce: Type.String({ minLength: 16, maxLength: 64 }),
});

const Welcome = Type.Object({
  type: Type.Literal('welcome'),
  protocol: Type.Integer(),
  host: PeerId,
  epoch: Epoch,
  version: Count,
  members: Type.Array(MemberSchema, { maxItems: 100_000 }),
  /** The number of that member list (see `members`). */
  membersSeq: Count,
  /**
   * The host's clock: a joiner's first stamps come after everything in the state it joins,
   * even when its own clock reads earlier (started after the system clock stepped back).
   */
  clock: Count,
  /** The last seq the host has ordered from the joiner's id (a previous life's, say). */
  lastSeq: Type.Optional(Count),
  /** With a shared secret: the host's proof that it holds it too. */
  proof: Type.Optional(Type.String({ maxLength: 128 })),
  /** The store the host keeps the mesh's state in (its id), for status; absent: none. */
  storage: Type.Optional(Type.String({ maxLength: 4096 })),
  /** The kind of the host's backplane (`redis`), for status; absent: one machine. */
  backplane: Type.Optional(Type.String({ maxLength: 64 })),
  /** Patches waiting to be ordered across the mesh, as the host knows them (see `pending`). */
  pending: Type.Optional(Count),
});

const Refused = Type.Object({
  type: Type.Literal('refused'),
  code: Type.String({ maxLength: 64 }),
  message: Type.String({ maxLength: 4096 }),
});

const Submit = Type.Object({
  type: Type.Literal('submit'),
  epoch: Epoch,
  patches: Type.Array(PatchSchema, { minItems: 1, maxItems: 100_000 }),
});

const Entries = Type.Object({
  type: Type.Literal('entries'),
  epoch: Epoch,
  entries: Type.Array(EntrySchema, { maxItems: 1_000_000 }),
  /** The host waits to hear that a replica holds these (its own writes): answer with `ack`. */
  ack: Type.Optional(Type.Boolean()),
  /**
   * The host holds every entry of ours up to this version: it adopted the history we uploaded
   * (as a snapshot, so no entry of it comes back). Our own writes in it are acknowledged.
   */
  holds: Type.Optional(Count),
});

/**
 * A member tells the host what it holds: every entry up to `version`, and the member list
 * numbered `members` (both only ever grow). The host acknowledges its own writes once another
 * replica holds them, and welcomes a joiner only once every host-capable member knows of it.
 */
const Ack = Type.Object({
  type: Type.Literal('ack'),
  epoch: Epoch,
  version: Count,
  members: Type.Optional(Count),
});

/** A top-level key, or a path below one (keys and array indexes). */
const SnapshotPath = Type.Union([
  Type.String({ maxLength: 1_000_000 }),
  Type.Array(Type.Union([Type.String({ maxLength: 1_000_000 }), Type.Integer({ minimum: 0 })]), {
    minItems: 2,
    maxItems: 1000,
  }),
]);

const Snapshot = Type.Object({
  type: Type.Literal('snapshot'),
  epoch: Epoch,
  /** Parts arrive in order, 0, 1, 2, ...; the last carries the replica's tables. */
  part: Count,
  last: Type.Boolean(),
  /**
   * Progress, for a joiner to show: characters of entries sent up to and including this part,
   * and of the whole snapshot (both approximate; `bytes` reaches `total` in the last part).
   * Optional: a sender may leave them out.
   */
  bytes: Type.Optional(Count),
  total: Type.Optional(Count),
  /**
   * Entries of the state: a top-level key with its value, or a path below one (keys and array
   * indexes) for a value sent child by child. Checked as they arrive (SnapshotStateBuilder).
   */
  entries: Type.Array(
    Type.Union([
      Type.Tuple([SnapshotPath, Type.Unknown()]),
      // Fields or elements added to the object or array already at the path.
      Type.Tuple([SnapshotPath, Type.Unknown(), Type.Literal('merge')]),
    ]),
  ),
  /** In the last part: version, epoch, stamps and seqs (checked by Replica.fromSnapshot). */
  meta: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

/**
 * A change of the member list: who joined and who left since the previous `members` of this
 * epoch (a `welcome` carries the whole list). A delta, so that a join costs the same whatever
 * the mesh's size: sending the whole list to every member on every join made N joins O(N^2).
 * One delta may carry many changes (mesh/member-announcer.ts sends them in rounds): a receiver
 * drops the `left` ids first, skipping any it does not hold, then adds or replaces `joined`,
 * so an id that left and came back is in both. Receivers of this protocol always applied it
 * so, which is why netting it changed no version.
 */
const Members = Type.Object({
  type: Type.Literal('members'),
  epoch: Epoch,
  joined: Type.Array(MemberSchema, { maxItems: 100_000 }),
  left: Type.Array(PeerId, { maxItems: 100_000 }),
  /** Numbers the member lists of one epoch: the receiver acknowledges it (see `ack`). */
  seq: Count,
});

/**
 * Protocol 7: a joiner is welcomed at once, but until this comes it is not yet known to every
 * host-capable member (a next host might not wait for it after a failover, member-announcer.ts).
 * Until then it submits nothing, sends no messaging, and reports none of its own writes as
 * acknowledged; the host does not count its acknowledgements. Sent once, when every
 * host-capable member has acknowledged a member list that names it.
 */
const Known = Type.Object({ type: Type.Literal('known'), epoch: Epoch }, { additionalProperties: false });

const RequestHistory = Type.Object({
  type: Type.Literal('request-history'),
  epoch: Epoch,
  /** Send entries after this version, if your entry at it was ordered in `atEpoch`. */
  after: Count,
  atEpoch: Epoch,
});

const History = Type.Object({
  type: Type.Literal('history'),
  epoch: Epoch,
  entries: Type.Array(EntrySchema, { maxItems: 1_000_000 }),
});

const Handover = Type.Object({
  type: Type.Literal('handover'),
  epoch: Epoch,
  successor: Type.Union([PeerId, Type.Null()]),
});

/**
 * The host is running: sent to every peer that said hello, a quarter of `hostTimeout` apart. Anything
 * from the host counts as a sign of life; this is what it sends when it has nothing else.
 */
const Beat = Type.Object(
  {
    type: Type.Literal('beat'),
    /** Patches waiting to be ordered across the mesh: the host's own and its members' reports. */
    pending: Type.Optional(Count),
  },
  { additionalProperties: false },
);

/**
 * A member's count of its patches submitted and not yet ordered back to it, sent when it has
 * changed for a while (mesh/pending-report.ts); the host sums them for status.
 */
const Pending = Type.Object({ type: Type.Literal('pending'), count: Count }, { additionalProperties: false });

// --- messaging (src/messaging): requests to the host, and what it relays ---
/** A lock request (client to host); the host orders it as an entry, stamped with the sender. */
const LockRequest = Type.Object(
  {
    type: Type.Literal('lock'),
    op: Type.Union([Type.Literal('acquire'), Type.Literal('release')]),
    name: MessagingName,
    rid: Count,
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  },
  { additionalProperties: false },
);

/** An event: to the host without `from`; relayed by it with `from` stamped and the version it was ordered at. */
const EventMessage = Type.Object(
  {
    type: Type.Literal('event'),
    name: MessagingName,
    payload: Type.Unknown(),
    from: Type.Optional(PeerId),
    version: Type.Optional(Count),
  },
  { additionalProperties: false },
);

/** The RPC methods a member serves (its whole list, sent again on every change). */
const Handlers = Type.Object(
  { type: Type.Literal('handlers'), names: Type.Array(MessagingName, { maxItems: 10_000 }) },
  { additionalProperties: false },
);

/** A call: to the host (with `peer` to name the handler), and from the host to the handler (with `from`). */
const Call = Type.Object(
  {
    type: Type.Literal('call'),
    id: Count,
    name: MessagingName,
    args: Type.Unknown(),
    peer: Type.Optional(PeerId),
    from: Type.Optional(PeerId),
  },
  { additionalProperties: false },
);

const CallResult = Type.Object(
  {
    type: Type.Literal('call-result'),
    id: Count,
    ok: Type.Boolean(),
    value: Type.Optional(Type.Unknown()),
    error: Type.Optional(
      Type.Object(
        {
          code: Type.String({ maxLength: 128 }),
          message: Type.String({ maxLength: 4096 }),
          remoteCode: Type.Optional(Type.String({ maxLength: 128 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
/** A client's `mem.flush()`: make everything you have ordered durable, then answer `id`. */
const Flush = Type.Object({
  type: Type.Literal('flush'),
  id: Count,
});

/** The host's answer: its store holds on disk all it had ordered when asked (or `error`). */
const Flushed = Type.Object({
  type: Type.Literal('flushed'),
  id: Count,
  error: Type.Optional(Type.String({ maxLength: 4096 })),
});

const MessageSchema = Type.Union([
  Challenge,
  Hello,
  Welcome,
  Refused,
  Submit,
  Entries,
  Ack,
  Snapshot,
  Members,
  Known,
  RequestHistory,
  History,
  Handover,
  Beat,
  Pending,
  // messaging
  LockRequest,
  EventMessage,
  Handlers,
  Call,
  CallResult,
  Flush,
  Flushed,
]);

/** The messages src/messaging handles (routed to it by the roles). */
export const MESSAGING_TYPES: ReadonlySet<string> = new Set(['lock', 'event', 'handlers', 'call', 'call-result']);
export type LockOpWire = Static<typeof LockOpSchema>;

export type Member = Static<typeof MemberSchema>;
export type Message = Static<typeof MessageSchema>;
export type MessageType = Message['type'];
export type MessageOf<K extends MessageType> = Extract<Message, { type: K }>;

/**
 * One compiled check per message type. Each type names exactly one member of the union, so a
 * message passes its type's check exactly when it passes the union's; the union's check tries
 * the members in turn, and every message (every entry of every write) paid for that.
 */
const checks = new Map(MessageSchema.anyOf.map((schema) => [schema.properties.type.const as string, TypeCompiler.Compile(schema)]));
/** For a value of no known type: the union says what is wrong. */
const check = TypeCompiler.Compile(MessageSchema);

/**
 * Checks an inbound value against the protocol. Returns it typed, or throws a
 * {@link ProtocolError} naming the first problem; callers close the connection with it.
 */
export function parseMessage(value: unknown): Message {
  // Protocol 9's compact entries and submits (compact.ts): decoded and checked in one pass.
  if (value instanceof BinaryFrame) return decodeCompact(value.body);
  const raw = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
  const typed = typeof raw === 'string' ? checks.get(raw) : undefined;
  if (typed?.Check(value)) return value as Message;
  const first = (typed ?? check).Errors(value).First();
  const where = first ? `${first.path || '/'}: ${first.message}` : 'malformed';
  // Only a string type is echoed: String() of a deeply nested array would overflow the stack.
  const type = typeof raw === 'string' ? raw.slice(0, 40) : '?';
  throw new ProtocolError('ERR_PROTOCOL', `invalid '${type}' message at ${where}`);
}
