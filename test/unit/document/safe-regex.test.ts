/**
 * `$regex` in every place a condition runs (`if`, `arrayFilters`, `$pull`), matched by a
 * linear-time engine: the textbook catastrophic patterns answer at once, patterns that need
 * backtracking are refused with a typed error, and one condition reads a bounded amount of text.
 */
import { describe, expect, it } from 'vitest';
import { ConditionCache } from '../../../src/document/conditions.js';
import { MAX_REGEX_PATTERN_CHARS, MAX_REGEX_TEXT_CHARS } from '../../../src/document/safe-regex.js';
import { Harness } from './harness.js';

const EVIL = '^(a+)+$';
/** 40 a's and a b: about 2^40 steps for a backtracking engine (each extra character doubles it). */
const VICTIM = `${'a'.repeat(40)}b`;

describe('$regex in conditions', () => {
  it('answers the catastrophic patterns without backtracking, in if, arrayFilters and $pull', () => {
    const h = new Harness({ s: VICTIM, list: [{ s: VICTIM }, { s: 'aaa' }] });
    expect(h.submit({ $set: { hit: 1 } }, { if: { s: { $regex: EVIL } } })).toMatchObject({
      applied: false,
      reason: 'condition',
    });
    for (const evil of [EVIL, '^(a|a)*$', '^(a|aa)+$', '^(.*a){20}$']) {
      expect(h.submit({ $set: { 'list.$[e].hit': true } }, { arrayFilters: [{ 'e.s': { $regex: evil } }] }).applied).toBe(true);
    }
    expect(h.state.list).toEqual([{ s: VICTIM }, { s: 'aaa', hit: true }]);
    expect(h.submit({ $pull: { list: { s: { $regex: EVIL } } } }).applied).toBe(true);
    expect(h.state.list).toEqual([{ s: VICTIM }]);
  });

  it('matches like MongoDB for ordinary patterns and the i, m and s options', () => {
    const cache = new ConditionCache();
    const state = { name: 'Ada Lovelace', text: 'one\ntwo', tags: ['x1', 'y2'] };
    expect(cache.holds({ name: { $regex: '^Ada' } }, state)).toBe(true);
    expect(cache.holds({ name: { $regex: '^ada' } }, state)).toBe(false);
    expect(cache.holds({ name: { $regex: '^ada', $options: 'i' } }, state)).toBe(true);
    expect(cache.holds({ text: { $regex: '^two$' } }, state)).toBe(false);
    expect(cache.holds({ text: { $regex: '^two$', $options: 'm' } }, state)).toBe(true);
    expect(cache.holds({ text: { $regex: 'one.two' } }, state)).toBe(false);
    expect(cache.holds({ text: { $regex: 'one.two', $options: 's' } }, state)).toBe(true);
    expect(cache.holds({ tags: { $regex: '^y\\d$' } }, state)).toBe(true);
    expect(cache.holds({ name: { $not: { $regex: 'Babbage' } } }, state)).toBe(true);
    expect(cache.holds({ name: { $regex: 'a/b|Love' } }, state)).toBe(true);
  });

  it('refuses backreferences, lookaround and over-long patterns with ERR_INVALID_CONDITION', () => {
    const h = new Harness({ s: 'aa' });
    for (const pattern of ['(a)\\1', '(?=a)a', '(?!b)a', 'x'.repeat(MAX_REGEX_PATTERN_CHARS + 1)]) {
      // Refused when written (validation compiles it for RE2), and where judged anyway.
      expect(() => h.submit({ $set: { hit: 1 } }, { if: { s: { $regex: pattern } } })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_CONDITION' }),
      );
      expect(() => new ConditionCache().holds({ s: { $regex: pattern } }, { s: 'aa' })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_CONDITION' }),
      );
    }
    expect(h.state).toEqual({ s: 'aa' });
  });

  it('bounds the text one condition reads; every condition has a budget of its own', () => {
    const cache = new ConditionCache();
    const chunk = 'x'.repeat(MAX_REGEX_TEXT_CHARS / 4);
    const wide = { list: [chunk, chunk, chunk, chunk, 'needle'] };
    expect(() => cache.holds({ list: { $regex: 'needle' } }, wide)).toThrow(
      expect.objectContaining({ code: 'ERR_LIMIT_EXCEEDED' }),
    );
    // Within the budget, and again and again: it is not used up across conditions.
    const fits = { list: [chunk, chunk, chunk, 'needle'] };
    for (let i = 0; i < 3; i++) expect(cache.holds({ list: { $regex: 'needle' } }, fits)).toBe(true);
    const h = new Harness(wide);
    expect(h.submit({ $set: { hit: 1 } }, { if: { list: { $regex: 'needle' } } })).toMatchObject({
      applied: false,
      reason: 'failed',
      message: expect.stringMatching(/more than 65536 characters/),
    });
    expect(h.submit({ $pull: { list: { $regex: 'needle' } } })).toMatchObject({
      applied: false,
      reason: 'failed',
      message: expect.stringMatching(/more than 65536 characters/),
    });
  });
});
