/**
 * Fuzz of snapshot parts as a hostile peer could send them: keys, paths below keys and
 * merges, with hostile keys and JSON. The assembler may only refuse with MemSyncErrors, must
 * never touch a prototype, and whatever it accepts holds no reserved key.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { resolveDocumentLimits } from '../../../src/document/index.js';
import { MemSyncError } from '../../../src/errors.js';
import { SnapshotAssembler } from '../../../src/mesh/snapshot-stream.js';
import { type MessageOf, parseMessage } from '../../../src/protocol/messages.js';
import { assertRefusal, type Beat } from './fuzz-checks.js';
import { hostileJsonText, hostileKey, RESERVED_KEYS } from './hostile-arbitraries.js';
import { assertPrototypesUntouched, forbiddenKeysIn } from './prototype-guard.js';

const RESERVED: ReadonlySet<string> = new Set(RESERVED_KEYS);

/** One entry's JSON text: `[key, value]`, `[[path...], value]` or either with `"merge"`. */
const entryText: fc.Arbitrary<string> = fc
  .record({
    path: fc.oneof(
      // Mostly where containers are (the first part makes 'a' and 'l'), so that merges and
      // paths below keys get past the first check and reach the interesting ones.
      {
        weight: 3,
        arbitrary: fc.constantFrom<string | Array<string | number>>(
          'a',
          'l',
          ['a', 'b'],
          ['l', 0],
          ['a', '__proto__'],
          ['a', 'constructor'],
          ['a', 'b', 'prototype'],
        ),
      },
      { weight: 1, arbitrary: hostileKey },
      {
        weight: 1,
        arbitrary: fc.array(fc.oneof(hostileKey, fc.nat({ max: 3 })), { minLength: 2, maxLength: 4 }),
      },
    ),
    value: fc.oneof(
      hostileJsonText,
      fc.constantFrom('{}', '[]', '{"b":{}}', '[[],{}]', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}'),
    ),
    merge: fc.boolean(),
  })
  .map(({ path, value, merge }) => `[${JSON.stringify(path)},${value}${merge ? ',"merge"' : ''}]`);

/** Objects and arrays in `value` whose prototype is not the ordinary one (a `__proto__` set). */
function strangePrototypes(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  const expected = Array.isArray(value) ? Array.prototype : Object.prototype;
  let count = Object.getPrototypeOf(value) === expected ? 0 : 1;
  for (const child of Object.values(value)) count += strangePrototypes(child);
  return count;
}

/** Parts of a snapshot, in order, the last one with meta: the assembler takes or refuses them. */
export function snapshotPartsProperty(beat: Beat) {
  return fc.property(fc.array(fc.array(entryText, { maxLength: 5 }), { minLength: 1, maxLength: 3 }), (parts) => {
    beat();
    const assembler = new SnapshotAssembler(1000, resolveDocumentLimits({ maxDepth: 8 }));
    try {
      parts.forEach((entries, i) => {
        const last = i === parts.length - 1;
        const meta = last ? ',"meta":{"version":1,"epoch":1,"stamps":[],"seqs":[]}' : '';
        const all = i === 0 ? ['["a",{}]', '["l",[]]', ...entries] : entries;
        const text = `{"type":"snapshot","epoch":1,"part":${i},"last":${last},"entries":[${all.join(',')}]${meta}}`;
        let message: MessageOf<'snapshot'>;
        try {
          message = parseMessage(JSON.parse(text)) as MessageOf<'snapshot'>;
        } catch (error) {
          // JSON.parse may refuse a deep text with a RangeError; the transport maps that too.
          if (!(error instanceof MemSyncError) && !(error instanceof RangeError)) throw error;
          throw new MemSyncError('ERR_PROTOCOL', 'unparsable');
        }
        const snapshot = assembler.add(message);
        if (snapshot) {
          assert.deepEqual(forbiddenKeysIn(snapshot.state, RESERVED, false), [], 'no reserved key');
          assert.equal(strangePrototypes(snapshot.state), 0, 'every object and array has its ordinary prototype');
        }
      });
    } catch (error) {
      if (error instanceof assert.AssertionError) throw error;
      assertRefusal(error, MemSyncError, 'SnapshotAssembler');
    }
    assertPrototypesUntouched();
  });
}
