/**
 * The schema of a patch and its parts, shared by the JSON messages (messages.ts) and the
 * compact frames' decoder (compact-decode.ts), so both refuse exactly the same values.
 */
import { Type } from '@sinclair/typebox';
import type { JsonObject, Update } from '../types.js';

export const PeerId = Type.String({ minLength: 1, maxLength: 128 });
export const Count = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
// Epochs are clock readings (ms * 1000) plus a small random part: integers, never beyond a
// safe integer (a peer claiming 1e300 would leave `epoch + 1` equal to itself).
export const Epoch = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
// The schema checks that these are objects; their deep content (operators, paths, JSON-only
// values, reserved keys) is checked by the document layer's validator before any use. An
// empty Type.Object compiles to that check alone, where Type.Record(String, Unknown) walks
// Object.entries of every update of every entry received: two arrays per key, for nothing.
const AnyObject = Type.Object({});
export const UpdateObject = Type.Unsafe<Update>(AnyObject);
export const ConditionObject = Type.Unsafe<JsonObject>(AnyObject);

// --- messaging (src/messaging): lock operations ride in ordered entries ---
export const MessagingName = Type.String({ minLength: 1, maxLength: 256 });
export const LockOpSchema = Type.Union([
  Type.Object(
    { op: Type.Literal('acquire'), name: MessagingName, peer: PeerId, rid: Count, limit: Type.Integer({ minimum: 1, maximum: 1_000_000 }) },
    { additionalProperties: false },
  ),
  Type.Object({ op: Type.Literal('release'), name: MessagingName, peer: PeerId, rid: Count }, { additionalProperties: false }),
  Type.Object({ op: Type.Literal('left'), peer: PeerId }, { additionalProperties: false }),
]);

export const PatchSchema = Type.Object(
  {
    peer: PeerId,
    seq: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    ts: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    update: UpdateObject,
    if: Type.Optional(ConditionObject),
    arrayFilters: Type.Optional(Type.Array(ConditionObject, { maxItems: 1000 })),
    /** Messaging (src/messaging): a lock operation the host orders; only in host entries. */
    msg: Type.Optional(LockOpSchema),
  },
  { additionalProperties: false },
);

/**
 * What a compact body holds beyond the update (compact.ts): the patch's optional fields and
 * nothing else, checked exactly as PatchSchema checks them.
 */
export const ExtrasSchema = Type.Object(
  {
    if: PatchSchema.properties.if,
    arrayFilters: PatchSchema.properties.arrayFilters,
    msg: PatchSchema.properties.msg,
  },
  { additionalProperties: false },
);
