// On Lambda Managed Instances a timed-out invocation is answered with a timeout error but its
// code is not stopped: it would go on using the CPU the other invocations in the environment
// share (docs/managed-instances-research.md). cartoonize therefore takes an AbortSignal and
// stops at the next stage once it fires, with a 504 a caller can map, leaving nothing behind.
import { Readable } from 'node:stream';
import { type CartoonError, cartoonize, TimedOutError } from '@cartoon-compute/core';
import { photo } from '../support/fixtures';

/** `bytes` as a stream that gives a chunk every `ms`. */
function slowStream(bytes: Buffer, chunks: number, ms: number): Readable {
  const size = Math.ceil(bytes.length / chunks);
  let sent = 0;
  return new Readable({
    read() {
      setTimeout(() => {
        this.push(sent < bytes.length ? bytes.subarray(sent, sent + size) : null);
        sent += size;
      }, ms);
    },
  });
}

async function failure(promise: Promise<unknown>): Promise<CartoonError> {
  try {
    await promise;
  } catch (err) {
    return err as CartoonError;
  }
  throw new Error('expected a failure');
}

test('a signal already aborted stops before the input is read, with a 504', async () => {
  let read = false;
  const input = new Readable({
    read() {
      read = true;
      this.push(null);
    },
  });

  const err = await failure(cartoonize(input, {}, undefined, { signal: AbortSignal.abort() }));

  expect(err).toBeInstanceOf(TimedOutError);
  expect(err.statusCode).toBe(504);
  expect(read).toBe(false);
});

test('a deadline passing while the photo arrives stops after the read, not after the encode', async () => {
  const deadline = new AbortController();
  const input = slowStream(photo('kite.jpg'), 5, 20);
  setTimeout(() => deadline.abort(), 30);

  const err = await failure(
    cartoonize(input, { maxSide: 1600 }, undefined, { signal: deadline.signal }),
  );

  expect(err).toBeInstanceOf(TimedOutError);
  expect(err.message).toMatch(/after the read stage/);
});

test('a signal that does not fire changes no byte, after one that did', async () => {
  const image = photo('coffee.png');
  const alone = await cartoonize(image, { style: 'comic', format: 'png' });
  await failure(cartoonize(image, { style: 'comic' }, undefined, { signal: AbortSignal.abort() }));

  const withSignal = await cartoonize(image, { style: 'comic', format: 'png' }, undefined, {
    signal: new AbortController().signal,
  });

  expect(withSignal.data.equals(alone.data)).toBe(true);
});
