import { readInteger, readNumber } from '../../infra/lib/context-values';

const from = (context: Record<string, unknown>) => (key: string) => context[key];

describe('readInteger', () => {
  test('an unset or empty key gives the fallback', () => {
    expect(readInteger(from({}), 'apiMemory', 2048, 128, 10240)).toBe(2048);
    expect(readInteger(from({ apiMemory: '' }), 'apiMemory', 2048, 128, 10240)).toBe(2048);
  });

  test('a number or its text within the range is read', () => {
    expect(readInteger(from({ apiMemory: '3008' }), 'apiMemory', 2048, 128, 10240)).toBe(3008);
    expect(readInteger(from({ apiMemory: 128 }), 'apiMemory', 2048, 128, 10240)).toBe(128);
  });

  test.each(['1.5', 'abc', '127', '10241'])('%s is refused with the key and the range', (raw) => {
    expect(() => readInteger(from({ apiMemory: raw }), 'apiMemory', 2048, 128, 10240)).toThrow(
      `context apiMemory must be an integer between 128 and 10240; got '${raw}'`,
    );
  });
});

describe('readNumber', () => {
  test('fractions within the range are read; unset gives the fallback', () => {
    expect(readNumber(from({ ratio: '2.5' }), 'ratio', 2, 2, 8)).toBe(2.5);
    expect(readNumber(from({}), 'ratio', 2, 2, 8)).toBe(2);
  });

  test.each(['Infinity', 'x', '1.9', '8.1'])('%s is refused with the key and the range', (raw) => {
    expect(() => readNumber(from({ ratio: raw }), 'ratio', 2, 2, 8)).toThrow(
      `context ratio must be a number between 2 and 8; got '${raw}'`,
    );
  });
});
