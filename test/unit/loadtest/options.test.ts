import { HELP, parseOptions, UsageError } from '../../../loadtest/node/options';
import { VARIANT_NAMES } from '../../../local-cloud/variants';

describe('parseOptions', () => {
  it('defaults to the full profile against the local cloud, every variant and scenario', () => {
    const o = parseOptions([]);
    expect(o?.target).toBe('local');
    expect(o?.profile).toBe('full');
    // Every variant the local cloud knows, managed-instances included.
    expect(o?.variants).toEqual([...VARIANT_NAMES]);
    expect(o?.variants).toContain('managed-instances');
    expect(o?.scenarios).toEqual(['cold', 'steady', 'saturation', 's3']);
    expect(o?.rates).toEqual([1, 5, 20]);
  });

  it('defaults the full profile to the phone photo at 1024 px, five single cold starts, one run', () => {
    const o = parseOptions([]);
    expect(o).toMatchObject({
      image: 'phone',
      maxSide: 1024,
      coldN: 5,
      repeat: 1,
      burstN: undefined,
      requestsPerMonth: 1_000_000,
      pin: true,
    });
  });

  it('gives the smoke profile the small image at its own size, and fewer cold starts', () => {
    const o = parseOptions(['--profile', 'smoke']);
    expect(o).toMatchObject({ image: 'small', maxSide: 320, imageSide: 320 });
    expect(o?.coldN).toBeLessThan(5);
    // The phone photo asked for in smoke is cartooned at 1024 px unless --max-side says otherwise.
    expect(parseOptions(['--profile', 'smoke', '--image', 'phone'])?.maxSide).toBe(1024);
    expect(parseOptions(['--image', 'phone', '--max-side', '800'])?.maxSide).toBe(800);
  });

  it('reads --repeat, --burst, --requests-per-month and --pin', () => {
    const o = parseOptions([
      '--repeat',
      '3',
      '--burst',
      '0',
      '--requests-per-month',
      '250000',
      '--pin',
      'off',
    ]);
    expect(o).toMatchObject({ repeat: 3, burstN: 0, requestsPerMonth: 250_000, pin: false });
  });

  it('takes the smoke profile, and flags override it', () => {
    const o = parseOptions([
      '--profile',
      'smoke',
      '--cold',
      '4',
      '--rates',
      '1,2.5',
      '--variants',
      'lambda-zip',
    ]);
    expect(o?.profile).toBe('smoke');
    expect(o?.coldN).toBe(4);
    expect(o?.rates).toEqual([1, 2.5]);
    expect(o?.variants).toEqual(['lambda-zip']);
    expect(o?.durationS).toBeLessThanOrEqual(5);
  });

  it('reads the AWS target and stage', () => {
    const o = parseOptions(['--target', 'aws', '--stage', 'prod', '--region', 'eu-west-1']);
    expect(o).toMatchObject({ target: 'aws', stage: 'prod', region: 'eu-west-1' });
  });

  it('answers undefined for --help, and the help names every flag it parses', () => {
    expect(parseOptions(['--help'])).toBeUndefined();
    for (const flag of [
      '--target',
      '--stage',
      '--profile',
      '--variants',
      '--scenarios',
      '--cold',
      '--rates',
      '--duration',
      '--style',
      '--image-side',
      '--max-side',
      '--p99-bound',
      '--image',
      '--repeat',
      '--burst',
      '--requests-per-month',
      '--pin',
    ]) {
      expect(HELP).toContain(flag);
    }
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--target', 'gcp'], /--target must be local or aws/],
    [['--profile', 'huge'], /--profile must be smoke or full/],
    [['--variants', 'lambda-zip,ec2'], /--variants: unknown "ec2"/],
    [['--scenarios', 'soak'], /--scenarios: unknown "soak"/],
    [['--cold', '0'], /^Expected integer of at least 1 for --cold but received 0$/],
    [['--cold', 'x'], /^Expected integer of at least 1 for --cold but received x$/],
    [['--cold', ''], /^Expected integer of at least 1 for --cold but received ''$/],
    [['--warm', '2.5'], /^Expected integer of at least 1 for --warm but received 2.5$/],
    [['--rates', '1,-2'], /^Expected number of at least 0.1 for --rates but received -2$/],
    [['--rates', '1,,2'], /^Expected number of at least 0.1 for --rates but received ''$/],
    [['--style', 'oil'], /--style: unknown "oil"/],
    [['--image', 'huge'], /--image must be phone or small, got "huge"/],
    [['--repeat', '0'], /^Expected integer of at least 1 for --repeat but received 0$/],
    [['--burst=-1'], /^Expected integer of at least 0 for --burst but received -1$/],
    [['--burst', '1.5'], /^Expected integer of at least 0 for --burst but received 1.5$/],
    [['--requests-per-month', '1.5'], /^Expected integer of at least 1 for --requests-per-month/],
    [['--pin', 'yes'], /--pin must be auto or off, got "yes"/],
  ])('rejects %j with a clear message', (argv, message) => {
    expect(() => parseOptions(argv)).toThrow(UsageError);
    expect(() => parseOptions(argv)).toThrow(message);
  });
});
