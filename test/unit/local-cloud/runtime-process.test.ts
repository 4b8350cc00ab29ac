// The pure parts of runtime-process.ts; spawning and signalling are covered through the
// environments' integration tests (environment, lmi-pool).
import {
  errorMessageOf,
  errorTypeOf,
  logStreamName,
  newTraceId,
  readMemoryMb,
} from '../../../local-cloud/runtime-process';

describe('runtime-process', () => {
  it('reads the message and type of a runtime error document', () => {
    const document = Buffer.from('{"errorType":"TypeError","errorMessage":"boom"}');

    expect(errorMessageOf(document)).toBe('boom');
    expect(errorTypeOf(document, 'Unhandled')).toBe('TypeError');
  });

  it('falls back to the text and the given type when the payload is not an error document', () => {
    const text = Buffer.from('not json');

    expect(errorMessageOf(text)).toBe('not json');
    expect(errorTypeOf(text, 'Unhandled')).toBe('Unhandled');
    expect(errorTypeOf(Buffer.from('{"errorType":3}'), 'Runtime.UserError')).toBe(
      'Runtime.UserError',
    );
  });

  it("names the log stream after today's date and the version, as Lambda does", () => {
    const stream = logStreamName('$LATEST', 'abc');

    expect(stream).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\]abc$/);
  });

  it('makes a fresh unsampled X-Ray trace header each time', () => {
    const first = newTraceId();

    expect(first).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Sampled=0$/);
    expect(newTraceId()).not.toBe(first);
  });

  it("reads a live process's peak and current memory, and nothing for no process", () => {
    const memory = readMemoryMb(process.pid);

    expect(memory?.peak).toBeGreaterThan(0);
    expect(memory?.peak).toBeGreaterThanOrEqual(memory?.rss ?? Number.POSITIVE_INFINITY);
    expect(readMemoryMb(undefined)).toBeUndefined();
  });
});
