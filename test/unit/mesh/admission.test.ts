import { describe, expect, it } from 'vitest';
import { admitPatches } from '../../../src/mesh/admission.js';
import { DEFAULT_LIMITS } from '../../../src/options.js';
import type { Patch } from '../../../src/types.js';

const ceiling = 1_000_000 * 1000;
const context = { sender: 'w', limits: DEFAULT_LIMITS, ceiling, lastSeq: 0 };

/** A patch as the host parses it from a submit frame. */
function parsed(seq: number, ts: number, update: unknown = { $set: { 'a.b': [1, { c: 2 }] } }): Patch {
  return JSON.parse(JSON.stringify({ peer: 'w', seq, ts, update })) as Patch;
}

describe('admission of patches parsed from a frame', () => {
  it('admits the parsed patches themselves, no copy, a stamp past the ceiling lowered to it', () => {
    const raw = [parsed(1, ceiling - 5), parsed(2, ceiling + 5)];
    const update = raw[1]!.update;
    const admitted = admitPatches(raw, context);
    expect(admitted).toHaveLength(2);
    expect(admitted[0]).toBe(raw[0]);
    expect(admitted[1]!.update).toBe(update);
    expect(admitted.map((p) => p.ts)).toEqual([ceiling - 5, ceiling]);
  });

  it('changes nothing when one patch of the message is refused', () => {
    const raw = [parsed(1, ceiling + 5), parsed(2, ceiling, { $nope: { a: 1 } })];
    const before = JSON.stringify(raw);
    expect(() => admitPatches(raw, context)).toThrow(expect.objectContaining({ code: 'ERR_UNKNOWN_OPERATOR' }));
    expect(JSON.stringify(raw)).toBe(before);
  });

  it('judges a shared update once, but a patch with a condition or array filters whatever its update', () => {
    const update = { $inc: { n: 1 } };
    const run: Patch[] = [1, 2, 3].map((seq) => ({ peer: 'w', seq, ts: ceiling, update }));
    expect(admitPatches(run, context)).toHaveLength(3);
    // The same update under a condition the validator refuses: refused, not waved through.
    const conditioned: Patch[] = [
      { peer: 'w', seq: 1, ts: ceiling, update },
      { peer: 'w', seq: 2, ts: ceiling, update, if: { $where: 'x' } as unknown as Patch['if'] },
    ];
    expect(() => admitPatches(conditioned, context)).toThrow(expect.objectContaining({ name: 'PatchValidationError' }));
    const filtered: Patch[] = [
      { peer: 'w', seq: 1, ts: ceiling, update },
      { peer: 'w', seq: 2, ts: ceiling, update, arrayFilters: 'x' as unknown as Patch['arrayFilters'] },
    ];
    expect(() => admitPatches(filtered, context)).toThrow();
  });
});
