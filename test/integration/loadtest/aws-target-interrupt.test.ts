// Ctrl-C in the middle of fargate's cold path: the real `npm run loadtest -- --target aws`
// in a child process, pointed at the fake AWS with AWS_ENDPOINT_URL (the SDK's documented
// endpoint override), interrupted while the service is at zero tasks. The service must get its
// size and auto-scaling minimum back before the process exits, and no restore file be left.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { restoreFile } from '../../../loadtest/aws/restore-state';
import { FAKE_CREDENTIALS, type FakeAws, startFakeAws } from '../../support/fake-aws';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const STACK = 'cartoon-compute-dev-fargate';
const CLUSTER = 'cluster-1';
const SERVICE = 'service-1';

describe('an interrupted AWS run', () => {
  let aws: FakeAws;
  let dir: string;
  beforeEach(async () => {
    aws = await startFakeAws();
    dir = mkdtempSync(path.join(tmpdir(), 'aws-interrupt-'));
  });
  afterEach(async () => {
    await aws.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('restores the fargate service on SIGINT before exiting 130', async () => {
    aws.state.stacks.set(STACK, {
      status: 'CREATE_COMPLETE',
      outputs: { ApiUrl: `${aws.url}/`, BucketName: 'b' },
      resources: [
        {
          LogicalResourceId: 'Cluster',
          PhysicalResourceId: CLUSTER,
          ResourceType: 'AWS::ECS::Cluster',
        },
        {
          LogicalResourceId: 'Service',
          PhysicalResourceId: `arn:aws:ecs:eu-west-1:123456789012:service/${CLUSTER}/${SERVICE}`,
          ResourceType: 'AWS::ECS::Service',
        },
      ],
    });
    // Never reaches zero: the run is stuck in the waiter when the interrupt comes.
    aws.state.services.set(SERVICE, {
      cluster: CLUSTER,
      desiredCount: 3,
      runningCount: 3,
      pollsToSettle: 1,
      pollsSinceUpdate: 0,
      settles: false,
    });
    const scalableId = `service/${CLUSTER}/${SERVICE}`;
    aws.state.scalableTargets.set(scalableId, { MinCapacity: 2, MaxCapacity: 4 });
    const stateDir = path.join(dir, 'state');
    const child = spawn(
      path.join(ROOT, 'node_modules', '.bin', 'tsx'),
      [
        '--tsconfig',
        'tsconfig.json',
        'scripts/loadtest.ts',
        '--target',
        'aws',
        '--variants',
        'fargate',
        '--scenarios',
        'cold',
        '--profile',
        'smoke',
        '--bare-runs',
        '1',
        '--aws-state-dir',
        stateDir,
        '--out',
        path.join(dir, 'reports'),
      ],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          AWS_ENDPOINT_URL: aws.url,
          AWS_REGION: 'eu-west-1',
          AWS_ACCESS_KEY_ID: FAKE_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: FAKE_CREDENTIALS.secretAccessKey,
          AWS_CONFIG_FILE: path.join(dir, 'no-config'),
          AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'no-credentials'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );

    await aws.seen((c) => c.action === 'UpdateService' && c.input.desiredCount === 0, 90_000);
    expect(aws.state.scalableTargets.get(scalableId)?.MinCapacity).toBe(0);
    // The original values are on disk while the service is down.
    expect(JSON.parse(readFileSync(restoreFile(stateDir, STACK), 'utf8'))).toMatchObject({
      desiredCount: 3,
      minCapacity: 2,
    });
    child.kill('SIGINT');

    expect(await exited).toBe(130);
    expect(aws.state.services.get(SERVICE)?.desiredCount).toBe(3);
    expect(aws.state.scalableTargets.get(scalableId)?.MinCapacity).toBe(2);
    expect(existsSync(restoreFile(stateDir, STACK))).toBe(false);
    expect(stderr).toContain('region eu-west-1 (AWS_REGION or the profile)');
    expect(stderr).toContain('fargate: service restored');
  }, 120_000);
});
