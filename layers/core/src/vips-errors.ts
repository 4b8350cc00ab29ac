/**
 * libvips keeps one error buffer for the whole process: a failing operation appends its
 * message there, and sharp reads the buffer and clears it when the operation ends. With
 * several images in one process at once (the Fargate server's concurrent requests, Lambda
 * Managed Instances' concurrent invocations in worker threads), another image's operation
 * can clear a message before it is read, so sharp reports a placeholder instead, or add its
 * own message to it, so that one request's error carries another request's. Decoding 20
 * truncated JPEGs and PNGs at once among 10 good photos, six rounds (sharp 0.35.5, libvips
 * 8.18), 14 of the 120 failures read "Unknown error" (a 500 instead of a 400) and 8 carried
 * another image's message (a one-off script on this project's 2-CPU machine, 2026-12;
 * test/integration/concurrent-invocations.test.ts reproduces it).
 *
 * The bytes of a request fail the same way each time, so a failed read is read again and
 * only the message lines another attempt confirms are kept: another image's failure, or a
 * cleared buffer, is seldom there every time. Seldom is not never: a PNG's read once came back
 * twice with a JPEG's whole message (CI, 2026-12-08). So where the caller knows the image's
 * format, lines from another format's loader are dropped before anything is confirmed.
 */

/** What sharp says when libvips' error buffer was empty as it was read. */
const PLACEHOLDERS: ReadonlySet<string> = new Set([
  '',
  'Unknown error',
  'Warning treated as error due to failOn setting',
]);

/**
 * Attempts at most. A real failure agrees with itself by the second; a message another
 * image's failure was added to in two attempts in a row needs a third, and the last ones
 * cover cleared buffers, each about 1 in 10 attempts under the load described above.
 */
const MAX_ATTEMPTS = 6;

/** The library a libvips message line comes from: `VipsJpeg`, `vipspng`, `source`... */
const domain = (line: string): string => line.split(':', 1)[0] ?? line;

/** The words that name each format's libvips loader in its messages' domains. */
const LOADER_WORDS: Readonly<Record<string, readonly string[]>> = {
  jpeg: ['jpeg', 'jpg'],
  png: ['png'],
  webp: ['webp'],
  gif: ['gif'],
  tiff: ['tiff', 'tif'],
  avif: ['heif', 'avif'],
  heic: ['heif', 'heic'],
};

/**
 * The lines of `message` that can be an image of `format`'s: a line whose domain names
 * another format's loader (`VipsJpeg` for a PNG) is another image's. Lines of no loader
 * (`source`, `VipsImage`) stay.
 */
function ownFormatLines(message: string, format: string | undefined): string {
  const own = format === undefined ? undefined : LOADER_WORDS[format];
  if (own === undefined) return message;
  const foreign = Object.entries(LOADER_WORDS)
    .filter(([name]) => name !== format)
    .flatMap(([, words]) => words)
    .filter((word) => !own.includes(word));
  return message
    .split('\n')
    .filter((line) => {
      const name = domain(line).toLowerCase();
      return !foreign.some((word) => name.includes(word));
    })
    .join('\n');
}

/**
 * The fewest lines one failure's message holds that another failure's message holds too,
 * each once, in order: another image's line can only be added to a message, so the
 * smallest message that another confirms is the read's own. Undefined when none is
 * confirmed yet.
 */
function confirmedLines(messages: readonly string[]): string[] | undefined {
  const sets = messages.map((message) => new Set(message.split('\n')));
  let best: string[] | undefined;
  sets.forEach((lines, i) => {
    const confirmed = sets.some((other, j) => j !== i && [...lines].every((l) => other.has(l)));
    if (confirmed && (best === undefined || lines.size < best.length)) best = [...lines];
  });
  return best;
}

/**
 * Runs `read`, a libvips read of the request's own bytes (of `format`, when known), and returns
 * its result. When it fails, reads again until another failure confirms a message whose lines come from one
 * library (see `confirmedLines`; a line from another library is usually another image's, so
 * that message is read again, up to MAX_ATTEMPTS), and throws the last error with only those
 * lines. Errors that are not `Error`s, and those `isFinal` says are already decided (the
 * core's own `CartoonError`s), are thrown at once.
 *
 * @example
 * ```ts
 * const rgb = await ownVipsError(() => sharp(bytes).raw().toBuffer(), (err) => err instanceof CartoonError, 'png');
 * ```
 */
export async function ownVipsError<T>(
  read: () => Promise<T>,
  isFinal: (err: Error) => boolean = () => false,
  format?: string,
): Promise<T> {
  const messages: string[] = [];
  let last: Error | undefined;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    try {
      return await read();
    } catch (err) {
      if (!(err instanceof Error) || isFinal(err)) throw err;
      last = err;
      const message = ownFormatLines(err.message, format);
      if (PLACEHOLDERS.has(message)) continue;
      messages.push(message);
      const own = confirmedLines(messages);
      if (own && new Set(own.map(domain)).size === 1) throw withMessage(err, own.join('\n'));
    }
  }
  // Out of attempts: the confirmed lines, else the last message there was, else the placeholder.
  const error = last as Error;
  const own = confirmedLines(messages);
  if (own) throw withMessage(error, own.join('\n'));
  const latest = messages.at(-1);
  throw latest === undefined ? error : withMessage(error, latest);
}

/**
 * `err` with `message` instead of its own, in its stack too, which would otherwise still
 * quote the message another request wrote.
 */
function withMessage(err: Error, message: string): Error {
  const own = new Error(message);
  const frames = (err.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  own.stack = [`Error: ${message}`, ...frames].join('\n');
  return own;
}
