import {
  type CartoonOptions,
  InvalidOptionError,
  type ResolvedOptions,
  resolveOptions,
  STYLES,
  type StyleName,
} from '@cartoon-compute/core';

/** The error `resolveOptions` throws; fails the test if it returns. */
function rejection(options: unknown): InvalidOptionError {
  try {
    resolveOptions(options as CartoonOptions);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidOptionError);
    const error = err as InvalidOptionError;
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.expose).toBe(true);
    return error;
  }
  throw new Error(`expected resolveOptions(${String(options)}) to throw`);
}

function styleParameters(options: ResolvedOptions) {
  const { colours, edgeStrength, edgeThickness, saturation, smoothing } = options;
  return { colours, edgeStrength, edgeThickness, saturation, smoothing };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('resolveOptions defaults', () => {
  test.each<[string, CartoonOptions | undefined]>([
    ['no argument', undefined],
    ['an empty object', {}],
  ])('%s: classic style, maxSide 1024, jpeg, quality 82', (_name, options) => {
    const resolved = resolveOptions(options);
    expect(resolved.style).toBe(STYLES.classic);
    expect(resolved.style.name).toBe('classic');
    expect(resolved.maxSide).toBe(1024);
    expect(resolved.format).toBe('jpeg');
    expect(resolved.quality).toBe(82);
    expect(styleParameters(resolved)).toEqual({
      colours: STYLES.classic.colours,
      edgeStrength: STYLES.classic.edgeStrength,
      edgeThickness: STYLES.classic.edgeThickness,
      saturation: STYLES.classic.saturation,
      smoothing: STYLES.classic.smoothing,
    });
  });

  test.each<StyleName>(['classic', 'comic', 'sketch'])(
    'style %s supplies its own parameters as defaults',
    (name) => {
      const resolved = resolveOptions({ style: name });
      const preset = STYLES[name];
      expect(resolved.style).toBe(preset);
      expect(styleParameters(resolved)).toEqual({
        colours: preset.colours,
        edgeStrength: preset.edgeStrength,
        edgeThickness: preset.edgeThickness,
        saturation: preset.saturation,
        smoothing: preset.smoothing,
      });
      expect([resolved.maxSide, resolved.format, resolved.quality]).toEqual([1024, 'jpeg', 82]);
    },
  );

  test('presets differ, so a style really changes the defaults', () => {
    expect(styleParameters(resolveOptions({ style: 'comic' }))).not.toEqual(
      styleParameters(resolveOptions({ style: 'classic' })),
    );
  });

  test('an explicit parameter overrides the preset and leaves the others', () => {
    const resolved = resolveOptions({ style: 'comic', colours: 20 });
    expect(resolved.colours).toBe(20);
    expect(resolved.edgeStrength).toBe(STYLES.comic.edgeStrength);
    expect(resolved.smoothing).toBe(STYLES.comic.smoothing);
  });

  test.each<[keyof CartoonOptions, string, number]>([
    ['maxSide', '512', 512],
    ['maxSide', '16', 16],
    ['maxSide', '4096', 4096],
    ['quality', '90', 90],
    ['quality', ' 1 ', 1],
    ['colours', '2', 2],
    ['edgeStrength', '0.25', 0.25],
    ['edgeStrength', '.5', 0.5],
    ['edgeThickness', '4', 4],
    ['saturation', '0', 0],
    ['smoothing', '7.5', 7.5],
  ])('numeric string %s=%j is accepted as %d', (name, value, expected) => {
    expect(resolveOptions({ [name]: value } as CartoonOptions)[name]).toBe(expected);
  });

  test.each<[string, unknown]>([
    ['format', 'png'],
    ['format', 'webp'],
    ['maxSide', 16],
    ['maxSide', 4096],
    ['quality', 100],
    ['edgeStrength', 0],
    ['edgeStrength', 1],
    ['edgeThickness', 0.5],
    ['saturation', 3],
    ['smoothing', 8],
  ])('boundary value %s=%j is accepted unchanged', (name, value) => {
    expect((resolveOptions({ [name]: value }) as unknown as Record<string, unknown>)[name]).toBe(
      value,
    );
  });
});

describe('resolveOptions rejects bad values with InvalidOptionError', () => {
  test.each<[string, unknown, string]>([
    ['quality', 0, 'Expected integer between 1 and 100 for quality but received 0'],
    ['maxSide', 'abc', "Expected integer between 16 and 4096 for maxSide but received 'abc'"],
    ['maxSide', Number.NaN, 'Expected integer between 16 and 4096 for maxSide but received NaN'],
    ['edgeStrength', 1.1, 'Expected number between 0 and 1 for edgeStrength but received 1.1'],
    ['format', 'gif', "Expected one of jpeg, png, webp for format but received 'gif'"],
    ['style', 'anime', "Expected one of classic, comic, sketch for style but received 'anime'"],
  ])('%s=%p: exact message', (name, value, message) => {
    expect(rejection({ [name]: value }).message).toBe(message);
  });

  const RANGES: Readonly<Record<string, readonly [kind: string, min: number, max: number]>> = {
    maxSide: ['integer', 16, 4096],
    quality: ['integer', 1, 100],
    colours: ['integer', 2, 32],
    edgeStrength: ['number', 0, 1],
    edgeThickness: ['number', 0.5, 4],
    saturation: ['number', 0, 3],
    smoothing: ['number', 0.5, 8],
  };

  test.each<[string, unknown, string]>([
    ['maxSide', 0, '0'],
    ['maxSide', 15, '15'],
    ['maxSide', 4097, '4097'],
    ['maxSide', 1.5, '1.5'],
    ['maxSide', '1.5', "'1.5'"],
    ['maxSide', 'abc', "'abc'"],
    ['maxSide', '', "''"],
    ['maxSide', '0x200', "'0x200'"],
    ['maxSide', '1e3', "'1e3'"],
    ['maxSide', Number.NaN, 'NaN'],
    ['maxSide', Number.POSITIVE_INFINITY, 'Infinity'],
    ['maxSide', -1, '-1'],
    ['maxSide', null, 'null'],
    ['maxSide', true, 'true'],
    ['maxSide', [512], 'an array'],
    ['maxSide', { value: 512 }, 'an object'],
    ['quality', 0, '0'],
    ['quality', 101, '101'],
    ['quality', 'high', "'high'"],
    ['colours', 1, '1'],
    ['colours', 33, '33'],
    ['colours', 2.5, '2.5'],
    ['edgeStrength', -0.1, '-0.1'],
    ['edgeStrength', 1.1, '1.1'],
    ['edgeThickness', 0.4, '0.4'],
    ['edgeThickness', 5, '5'],
    ['saturation', -1, '-1'],
    ['saturation', 4, '4'],
    ['smoothing', 0, '0'],
    ['smoothing', 9, '9'],
  ])('%s=%p names the option, its range and the value received', (name, value, shown) => {
    const range = RANGES[name];
    if (!range) throw new Error(`no range for ${name}`);
    const [kind, min, max] = range;
    const message = rejection({ [name]: value }).message;
    expect(message).toMatch(
      new RegExp(
        `^Expected ${kind} between ${escapeRegExp(String(min))} and ${escapeRegExp(String(max))} ` +
          `for ${name} but received ${escapeRegExp(shown)}$`,
      ),
    );
  });

  test.each<[string, unknown, string]>([
    ['format', 'gif', "'gif'"],
    ['format', 'JPEG', "'JPEG'"],
    ['format', 'jpg', "'jpg'"],
    ['format', 3, '3'],
    ['style', 'anime', "'anime'"],
    ['style', 'Classic', "'Classic'"],
    ['style', null, 'null'],
  ])('%s=%p names the choices and the value received', (name, value, shown) => {
    const choices = name === 'format' ? 'jpeg, png, webp' : 'classic, comic, sketch';
    expect(rejection({ [name]: value }).message).toMatch(
      new RegExp(`^Expected one of ${choices} for ${name} but received ${escapeRegExp(shown)}$`),
    );
  });

  test.each<[string]>([['maxsize'], ['Quality'], ['color'], ['__proto__x']])(
    'unknown option %s is named, with the known ones',
    (name) => {
      const message = rejection({ [name]: 1 }).message;
      expect(message).toMatch(
        new RegExp(`^Unknown option ${escapeRegExp(name)}; expected one of `),
      );
      for (const known of ['style', 'format', 'maxSide', 'quality', 'colours', 'smoothing']) {
        expect(message).toContain(known);
      }
    },
  );

  test.each<[string, unknown, string]>([
    ['null', null, 'Expected an object for options but received null'],
    ['an array', [{ maxSide: 512 }], 'Expected an object for options but received an array'],
    ['a string', 'maxSide=512', "Expected an object for options but received 'maxSide=512'"],
    ['a number', 512, 'Expected an object for options but received 512'],
  ])('options that are %s are refused', (_name, options, message) => {
    expect(rejection(options).message).toBe(message);
  });
});
