import { fitInside, renderSize } from '@cartoon-compute/core';

describe('fitInside', () => {
  test.each([
    [4000, 3000, 1024, { width: 1024, height: 768 }],
    [3000, 4000, 1024, { width: 768, height: 1024 }],
    [640, 427, 4096, { width: 640, height: 427 }],
    [400, 16, 16, { width: 16, height: 1 }],
  ])('%ix%i inside %i', (width, height, side, expected) => {
    expect(fitInside(width, height, side)).toEqual(expected);
  });
});

describe('renderSize', () => {
  test.each([
    [
      { width: 1024, height: 683 },
      { size: { width: 1024, height: 683 }, factor: 1 },
    ],
    [
      { width: 2048, height: 1365 },
      { size: { width: 1024, height: 683 }, factor: 2 },
    ],
    [
      { width: 1500, height: 1000 },
      { size: { width: 750, height: 500 }, factor: 2 },
    ],
    [
      { width: 3000, height: 4096 },
      { size: { width: 750, height: 1024 }, factor: 4 },
    ],
  ])('%o', (output, expected) => {
    const result = renderSize(output, 1024);

    expect(result).toEqual(expected);
    // The replicated render always covers the output.
    expect(result.size.width * result.factor).toBeGreaterThanOrEqual(output.width);
    expect(result.size.height * result.factor).toBeGreaterThanOrEqual(output.height);
  });
});
