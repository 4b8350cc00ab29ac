import { HELP, parseOptions, UsageError } from '../../../loadtest/node/options';

describe('parseOptions', () => {
  it('defaults to the full profile against the local cloud, every variant and scenario', () => {
    const o = parseOptions([]);
    expect(o?.target).toBe('local');
    expect(o?.profile).toBe('full');
    expect(o?.variants).toEqual(['lambda-zip', 'lambda-image', 'fargate']);
    expect(o?.scenarios).toEqual(['cold', 'steady', 'saturation', 's3']);
    expect(o?.rates).toEqual([1, 5, 20]);
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
  ])('rejects %j with a clear message', (argv, message) => {
    expect(() => parseOptions(argv)).toThrow(UsageError);
    expect(() => parseOptions(argv)).toThrow(message);
  });
});
