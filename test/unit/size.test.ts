import { fitInside } from '@cartoon-compute/core';

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
