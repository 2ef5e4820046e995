import { describe, expect, it } from 'vitest';
import { closestName, editDistance } from './suggest.js';

describe('editDistance', () => {
  it.each<[string, string, number]>([
    ['', '', 0],
    ['', 'abc', 3],
    ['kitten', 'sitting', 3], // the textbook Levenshtein example
    ['reduction', 'reducton', 1], // one deletion
    ['reduction', 'reudction', 1], // one swap of neighbours
    ['flaw', 'lawn', 2],
    ['ca', 'abc', 3], // optimal string alignment: no edits of a swapped pair
  ])('%j -> %j is %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('closestName', () => {
  const options = ['reduction', 'minChannels', 'midDivisor', 'hiddenUnits', 'name'];

  it('suggests the nearest candidate for a typo, ignoring case', () => {
    expect(closestName('reducton', options)).toBe('reduction');
    expect(closestName('minchannels', options)).toBe('minChannels');
    expect(closestName('midDivsor', options)).toBe('midDivisor');
    expect(closestName('nmae', options)).toBe('name');
  });

  it('suggests nothing when no candidate is close', () => {
    expect(closestName('bumpKind', options)).toBeUndefined();
    expect(closestName('x', options)).toBeUndefined();
    expect(closestName('reduction', [])).toBeUndefined();
  });
});
