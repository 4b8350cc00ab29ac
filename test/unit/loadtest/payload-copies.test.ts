import { payloadCopies } from '../../../loadtest/scenarios/payload-copies';

describe('payloadCopies', () => {
  it('times each round trip, and a larger payload takes longer', () => {
    const small = Buffer.alloc(10_000, 7);
    const large = Buffer.alloc(3_000_000, 7);
    const few = payloadCopies(small, small, 5);
    const many = payloadCopies(large, small, 5);
    expect(few).toHaveLength(5);
    expect(few.every((t) => t >= 0)).toBe(true);
    // 3 MB each way through base64 and JSON against 10 kB: far more work, not noise.
    expect(Math.min(...many)).toBeGreaterThan(Math.max(...few));
  });
});
