import { describe, expect, it } from 'vitest';
import { replacement } from '../../../src/cli/commands/patch.js';
import { CliError } from '../../../src/cli/exit-codes.js';

describe('load: the one patch that replaces the whole state', () => {
  it('sets every key of the new state and unsets every key it lacks', () => {
    const update = replacement({ a: 1, b: { c: 2 }, gone: true }, { a: 3, b: { d: 4 }, fresh: [1] });
    expect(update).toEqual({ $set: { a: 3, b: { d: 4 }, fresh: [1] }, $unset: { gone: '' } });
  });

  it('nothing to do between two empty objects; only unsets to empty a state', () => {
    expect(replacement({}, {})).toBeUndefined();
    expect(replacement({ a: 1 }, {})).toEqual({ $unset: { a: '' } });
  });

  it('refuses top-level keys a patch path cannot name (a dot would nest, a $ is an operator)', () => {
    expect(() => replacement({}, { 'a.b': 1 })).toThrow(CliError);
    expect(() => replacement({}, { $x: 1 })).toThrow(/cannot be written by a patch/);
  });
});
