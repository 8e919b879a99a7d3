/**
 * Valid protocol messages of every type, and mutations of them: a field dropped, replaced
 * by a hostile value or by the wrong type, an awkward number, a reserved key injected.
 * A mutated message is what an almost-correct (or carefully hostile) peer sends.
 */
import fc from 'fast-check';
import { AWKWARD_NUMBERS, hostileJsonText, hostileKey } from './hostile-arbitraries.js';

type Json = unknown;

const peerId = fc.stringMatching(/^[a-z0-9-]{1,12}$/);
const count = fc.integer({ min: 0, max: 1_000_000 });
const epoch = fc.integer({ min: 0, max: 2 ** 40 });
const ts = fc.integer({ min: 0, max: 2 ** 52 });

const validUpdate = fc.oneof(
  fc.record({ $set: fc.record({ a: fc.jsonValue({ maxDepth: 2 }), 'b.c': fc.string() }) }),
  fc.record({ $inc: fc.record({ n: fc.integer() }) }),
  fc.record({ $push: fc.record({ list: fc.integer() }), $unset: fc.constant({ x: '' as const }) }),
  fc.constant({ $set: { 'list.$[i]': 0 } }),
);

const validPatch = fc
  .record({ peer: peerId, seq: fc.integer({ min: 1, max: 1_000_000 }), ts, update: validUpdate })
  .map((patch) =>
    '$set' in patch.update && 'list.$[i]' in patch.update.$set
      ? { ...patch, arrayFilters: [{ i: { $gte: 0 } }] }
      : patch,
  );

const member = fc.record(
  { peer: peerId, clientOnly: fc.boolean(), pid: fc.nat() },
  { requiredKeys: ['peer', 'clientOnly'] },
);
const entry = fc.record({
  version: fc.integer({ min: 1, max: 1_000_000 }),
  epoch,
  patch: validPatch,
});

/** One valid message of each type the protocol knows. */
export const validMessage: fc.Arbitrary<Record<string, Json>> = fc.oneof(
  fc.record({ type: fc.constant('challenge'), nonce: fc.string({ minLength: 16, maxLength: 64 }) }),
  fc.record(
    {
      type: fc.constant('hello'),
      protocols: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }),
      mesh: fc.string({ maxLength: 20 }),
      peer: peerId,
      clientOnly: fc.boolean(),
      pid: fc.nat(),
      version: count,
      entryEpoch: epoch,
      knownEpoch: epoch,
      nonce: fc.string({ maxLength: 64 }),
      proof: fc.string({ maxLength: 128 }),
    },
    {
      requiredKeys: [
        'type',
        'protocols',
        'mesh',
        'peer',
        'clientOnly',
        'version',
        'entryEpoch',
        'knownEpoch',
      ],
    },
  ),
  fc.record({
    type: fc.constant('welcome'),
    protocol: fc.constant(1),
    host: peerId,
    epoch,
    version: count,
    members: fc.array(member, { maxLength: 3 }),
    membersSeq: count,
    clock: count,
  }),
  fc.record({ type: fc.constant('refused'), code: fc.constant('ERR_AUTH'), message: fc.string() }),
  fc.record({
    type: fc.constant('submit'),
    epoch,
    patches: fc.array(validPatch, { minLength: 1, maxLength: 3 }),
  }),
  fc.record({ type: fc.constant('entries'), epoch, entries: fc.array(entry, { maxLength: 3 }) }),
  fc.record({ type: fc.constant('ack'), epoch, version: count, members: count }),
  fc.record({
    type: fc.constant('snapshot'),
    epoch,
    part: count,
    last: fc.boolean(),
    entries: fc.array(fc.tuple(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 })), { maxLength: 3 }),
  }),
  fc.record({
    type: fc.constant('members'),
    epoch,
    joined: fc.array(member, { maxLength: 3 }),
    left: fc.array(peerId, { maxLength: 3 }),
    seq: count,
  }),
  fc.record({ type: fc.constant('request-history'), epoch, after: count, atEpoch: epoch }),
  fc.record({ type: fc.constant('history'), epoch, entries: fc.array(entry, { maxLength: 3 }) }),
  fc.record({ type: fc.constant('handover'), epoch, successor: fc.option(peerId, { nil: null }) }),
);

/** How one mutation changes a message; `at` picks the field among all, deep ones included. */
export interface Mutation {
  kind: 'drop' | 'replace' | 'wrongType' | 'awkwardNumber' | 'inject';
  at: number;
  key: string;
  /** JSON text of the value put in: parsed as the mutation lands. */
  value: string;
  number: string;
}

export const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('drop', 'replace', 'wrongType', 'awkwardNumber', 'inject'),
  at: fc.nat(),
  key: hostileKey,
  value: hostileJsonText,
  number: fc.constantFrom(...AWKWARD_NUMBERS),
});

type Container = Record<string, Json> | Json[];
interface Slot {
  container: Container;
  key: string;
}

function isContainer(value: Json): value is Container {
  return typeof value === 'object' && value !== null;
}

/** Every field of `root`: where a mutation may land. Iterative: values may nest deep. */
function slotsOf(root: Container): Slot[] {
  const slots: Slot[] = [];
  const stack: Container[] = [root];
  for (let container = stack.pop(); container !== undefined; container = stack.pop()) {
    for (const key of Object.keys(container)) {
      slots.push({ container, key });
      const child = (container as Record<string, Json>)[key];
      if (isContainer(child)) stack.push(child);
    }
  }
  return slots;
}

/** Sets a field as JSON.parse would: an own property, even for `__proto__`. */
function define(container: Container, key: string, value: Json): void {
  Object.defineProperty(container, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

function wrongTypeOf(value: Json): Json {
  if (typeof value === 'string') return value.length;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 1 : 'true';
  if (value === null) return {};
  if (Array.isArray(value)) return { 0: value[0] ?? null };
  return [value];
}

/** A deep copy of `message` with the mutations applied, in order. */
export function mutate(
  message: Record<string, Json>,
  mutations: readonly Mutation[],
): Record<string, Json> {
  const root = structuredClone(message);
  for (const m of mutations) {
    const slots = slotsOf(root);
    const slot = slots[m.at % Math.max(slots.length, 1)];
    const target: Container = slot === undefined ? root : slot.container;
    const key = slot?.key ?? 'type';
    const current = (target as Record<string, Json>)[key];
    switch (m.kind) {
      case 'drop':
        if (Array.isArray(target)) target.splice(Number(key), 1);
        else delete target[key];
        break;
      case 'replace':
        define(target, key, JSON.parse(m.value));
        break;
      case 'wrongType':
        define(target, key, wrongTypeOf(current));
        break;
      case 'awkwardNumber':
        define(target, key, JSON.parse(m.number));
        break;
      case 'inject': {
        const object = isContainer(current) && !Array.isArray(current) ? current : root;
        define(object, m.key, JSON.parse(m.value));
        break;
      }
    }
  }
  return root;
}
