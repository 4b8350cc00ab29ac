// The command-line scripts' one reader of number flags (scripts/lib/flags.ts): what it takes,
// and the message a user sees for everything it refuses.
import { numberFlag, UsageError } from '../../scripts/lib/flags';

describe('numberFlag', () => {
  it.each([
    ['2', { min: 1, integer: true }, 2],
    ['0', { min: 0, max: 65_535, integer: true }, 0],
    ['0.25', { min: 0.1 }, 0.25],
    ['1', { min: 0, max: 1, above: true }, 1],
    [' 7 ', { min: 1 }, 7],
  ])('takes %j in %j', (raw, range, value) => {
    expect(numberFlag('x', raw, range)).toBe(value);
  });

  it('gives the fallback when the flag was not given, and says it is missing when there is none', () => {
    expect(numberFlag('tasks', undefined, { min: 1 }, 3)).toBe(3);
    expect(() => numberFlag('requests', undefined, { min: 0 })).toThrow(
      new UsageError('Missing --requests'),
    );
  });

  it.each([
    ['1.5', { min: 1, integer: true }, 'Expected integer of at least 1 for --n but received 1.5'],
    ['', { min: 0 }, "Expected number of at least 0 for --n but received ''"],
    ['   ', { min: 0 }, 'Expected number of at least 0 for --n but received    '],
    ['abc', { min: 0, max: 1 }, 'Expected number between 0 and 1 for --n but received abc'],
    ['Infinity', { min: 0 }, 'Expected number of at least 0 for --n but received Infinity'],
    ['0x10', { min: 0, max: 10 }, 'Expected number between 0 and 10 for --n but received 0x10'],
    ['0', { min: 0, above: true }, 'Expected number above 0 for --n but received 0'],
    [
      '0',
      { min: 0, max: 1, above: true },
      'Expected number above 0 and at most 1 for --n but received 0',
    ],
    [
      '70000',
      { min: 0, max: 65_535, integer: true },
      'Expected integer between 0 and 65535 for --n but received 70000',
    ],
  ])('refuses %j in %j: %s', (raw, range, message) => {
    expect(() => numberFlag('n', raw, range)).toThrow(new UsageError(message));
  });
});
