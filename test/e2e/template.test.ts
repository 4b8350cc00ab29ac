// Runs the real offline `serverless package` and checks the CloudFormation template it writes:
// the functions, the HTTP API, the S3 triggers, asynchronous invocation, the bucket, IAM
// and the outputs. Nothing here talks to AWS.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ROUTE_KEYS } from '../support/api-contract';
import { sleep } from '../support/poll';
import {
  firing,
  notifications,
  OUTPUT_KEYS,
  REAL_WORLD_UPLOAD_KEYS,
} from '../support/s3-notifications';
import {
  allows,
  asArray,
  defaultStageParams,
  deniesInsecureTransport,
  globMatches,
  idsOfType,
  permissionPolicies,
  props,
  readTemplate,
  render,
  resources,
  type StageParams,
  type Statement,
  type Template,
} from '../support/template';
import { judge, validateTemplates } from '../support/template-validation';
import { BROWSER_UPLOAD_HEADERS } from '../support/upload-headers';

const ROOT = path.resolve(__dirname, '..', '..');
const LAYER_ZIP = path.join(ROOT, 'build', 'layer-arm64.zip');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const TEMPLATE = 'cloudformation-template-update-stack.json';

const BUCKET = `cartoon-compute-dev-\${AWS::AccountId}-\${AWS::Region}`;
const BUCKET_ARN = `arn:\${AWS::Partition}:s3:::${BUCKET}`;
const PREFIXES = ['uploads/', 'cartoons/', 'failed/'];
const FUNCTIONS = [
  { name: 'api', id: 'ApiLambdaFunction', memory: 'apiMemory', timeout: 'apiTimeout' },
  {
    name: 'process',
    id: 'ProcessLambdaFunction',
    memory: 'processMemory',
    timeout: 'processTimeout',
  },
] as const;

interface LambdaFunction {
  FunctionName: string;
  Runtime: string;
  Architectures: string[];
  Handler: string;
  Layers: unknown[];
  Code: { S3Key: string };
  MemorySize: number;
  Timeout: number;
  Role: unknown;
  ReservedConcurrentExecutions?: number;
  Environment: { Variables: Record<string, unknown> };
}

interface S3Rule {
  Name: string;
  Value: string;
}

interface LambdaConfiguration {
  Event: string;
  Function: unknown;
  Filter?: { S3Key?: { Rules?: S3Rule[] } };
}

/** The one browser origin `npm start` serves the console page from. */
const LOCAL_CONSOLE = 'http://127.0.0.1:8000';
const API_ORIGIN = `https://\${HttpApi}.execute-api.\${AWS::Region}.\${AWS::URLSuffix}`;

interface Bucket {
  BucketName: unknown;
  PublicAccessBlockConfiguration: Record<string, boolean>;
  BucketEncryption?: { ServerSideEncryptionConfiguration: unknown[] };
  OwnershipControls?: { Rules: { ObjectOwnership: string }[] };
  CorsConfiguration: {
    CorsRules: { AllowedMethods: string[]; AllowedOrigins: unknown[]; AllowedHeaders: string[] }[];
  };
  LifecycleConfiguration: {
    Rules: {
      Status: string;
      Prefix?: string;
      Filter?: { Prefix?: string };
      ExpirationInDays?: number;
      AbortIncompleteMultipartUpload?: { DaysAfterInitiation: number };
    }[];
  };
  NotificationConfiguration: { LambdaConfigurations: LambdaConfiguration[] };
}

function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.status ?? result.signal}):\n` +
        `${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

/** The offline `serverless package` step of `npm run package`, on already built artifacts. */
function packageOffline(...args: string[]): void {
  run(TSX, ['--tsconfig', 'tsconfig.json', 'scripts/package-offline.ts', ...args]);
}

function layerStamp(): string {
  if (!existsSync(LAYER_ZIP)) return '';
  const { size, mtimeMs } = statSync(LAYER_ZIP);
  return `${size}:${mtimeMs}`;
}

/**
 * Runs a packaging step on a layer zip that existed when it started. layer.test.ts, in another
 * jest worker, deletes and rebuilds build/layer-arm64.zip: a step that failed for want of it
 * waits until the zip is back and unchanged for a few seconds, then runs again (twice at most).
 * Any other failure fails at once.
 */
async function packagingStep(step: () => void): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      step();
      return;
    } catch (err) {
      const layerMissing = !existsSync(LAYER_ZIP) || String(err).includes('layer-arm64.zip');
      if (!layerMissing || attempt === 3 || !(await layerRebuilt())) throw err;
    }
  }
}

/** Whether build/layer-arm64.zip is back, and unchanged for 3 s, within 3 minutes. */
async function layerRebuilt(): Promise<boolean> {
  const deadline = Date.now() + 180_000;
  let last = '';
  while (Date.now() < deadline) {
    await sleep(3000);
    const stamp = layerStamp();
    if (stamp !== '' && stamp === last) return true;
    last = stamp;
  }
  return false;
}

/** The logical id a function's `Role: !GetAtt X.Arn` names. */
function roleOf(fn: LambdaFunction): string {
  return render(fn.Role).replace(/^\$\{(.+)\.Arn\}$/, '$1');
}

function ruleValue(config: LambdaConfiguration, name: string): string | undefined {
  return config.Filter?.S3Key?.Rules?.find((rule) => rule.Name.toLowerCase() === name)?.Value;
}

describe('CloudFormation template from serverless package', () => {
  let template: Template;
  let provisioned: Template;
  let params: StageParams;
  let packageDir = '';

  beforeAll(async () => {
    params = defaultStageParams(path.join(ROOT, 'serverless.yml'));
    packageDir = mkdtempSync(path.join(tmpdir(), 'cartoon-template-'));
    const layer = existsSync(LAYER_ZIP) ? 'reused' : 'built';
    const started = performance.now();
    // Every `serverless package` deletes .serverless/ first, even with --package elsewhere, so
    // the variant with provisioned concurrency goes to a scratch directory first and the
    // default run, whose template stays in .serverless/, comes last.
    const provisionedArgs = ['--param=apiProvisionedConcurrency=2', '--package', packageDir];
    if (layer === 'reused') {
      run('npm', ['run', 'build:functions']);
      await packagingStep(() => packageOffline(...provisionedArgs));
    } else {
      run('npm', ['run', 'package', '--', ...provisionedArgs]);
    }
    await packagingStep(() => packageOffline());
    template = readTemplate(path.join(ROOT, '.serverless', TEMPLATE));
    provisioned = readTemplate(path.join(packageDir, TEMPLATE));
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`packaging took ${seconds} s (layer ${layer})`);
  }, 300_000);

  afterAll(() => {
    if (packageDir) rmSync(packageDir, { recursive: true, force: true });
  });

  const fn = (id: string): LambdaFunction =>
    props<LambdaFunction>(template, id, 'AWS::Lambda::Function');

  describe.each(FUNCTIONS)('the $name function', ({ name, id, memory, timeout }) => {
    it('runs nodejs24.x on arm64 with handler index.handler', () => {
      expect(fn(id)).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
      });
    });

    it('takes the core layer, built for arm64 and nodejs24.x', () => {
      const layers = fn(id).Layers.map(render);
      expect(layers).toEqual([`\${CoreLambdaLayer}`]);
      const layer = props<{
        CompatibleArchitectures: string[];
        CompatibleRuntimes: string[];
        Content: { S3Key: string };
      }>(template, 'CoreLambdaLayer', 'AWS::Lambda::LayerVersion');
      expect(layer.CompatibleArchitectures).toEqual(['arm64']);
      expect(layer.CompatibleRuntimes).toEqual(['nodejs24.x']);
      expect(layer.Content.S3Key).toMatch(/\/layer-arm64\.zip$/);
    });

    it(`deploys the packaged artifact ${name}.zip`, () => {
      expect(fn(id).Code.S3Key).toMatch(new RegExp(`/${name}\\.zip$`));
    });

    it(`has the default ${memory} and ${timeout} of serverless.yml`, () => {
      expect(fn(id).MemorySize).toBe(params[memory]);
      expect(fn(id).Timeout).toBe(params[timeout]);
    });

    it('has the service environment', () => {
      const variables = fn(id).Environment.Variables;
      expect(variables).toMatchObject({
        VARIANT: 'lambda-zip',
        POWERTOOLS_SERVICE_NAME: 'cartoon-compute',
        POWERTOOLS_LOG_LEVEL: params.logLevel,
      });
      // Source maps would be parsed at every cold start: the maps ship, the flag does not.
      expect(variables.NODE_OPTIONS).toBeUndefined();
      expect(render(variables.BUCKET_NAME)).toBe(BUCKET);
      expect(render(props<Bucket>(template, 'Bucket', 'AWS::S3::Bucket').BucketName)).toBe(BUCKET);
    });

    it('logs to its own log group with a retention', () => {
      const groups = idsOfType(template, 'AWS::Logs::LogGroup').map((group) =>
        props<{ LogGroupName: string; RetentionInDays?: number }>(
          template,
          group,
          'AWS::Logs::LogGroup',
        ),
      );
      const group = groups.find((g) => g.LogGroupName === `/aws/lambda/${fn(id).FunctionName}`);
      expect(group?.RetentionInDays).toBe(params.logRetentionDays);
    });
  });

  describe('HTTP API', () => {
    it('has exactly the six routes, all on the api function with payload 2.0', () => {
      const routes = idsOfType(template, 'AWS::ApiGatewayV2::Route').map((route) =>
        props<{ RouteKey: string; Target: unknown }>(template, route, 'AWS::ApiGatewayV2::Route'),
      );
      expect(routes.map((route) => route.RouteKey).sort()).toEqual(ROUTE_KEYS);
      for (const route of routes) {
        const integrationId = render(route.Target).match(/^integrations\/\$\{(\w+)\}$/)?.[1];
        expect(integrationId).toBeDefined();
        const integration = props<{
          IntegrationType: string;
          IntegrationUri: unknown;
          PayloadFormatVersion: string;
        }>(template, integrationId ?? '', 'AWS::ApiGatewayV2::Integration');
        expect(integration).toMatchObject({
          IntegrationType: 'AWS_PROXY',
          PayloadFormatVersion: '2.0',
        });
        expect(render(integration.IntegrationUri)).toBe(`\${ApiLambdaFunction.Arn}`);
      }
    });
  });

  describe('ceilings on a public endpoint', () => {
    it('throttles every route of the stage at the default rate and burst', () => {
      const stages = idsOfType(template, 'AWS::ApiGatewayV2::Stage').map((id) =>
        props<{
          StageName: string;
          DefaultRouteSettings?: { ThrottlingRateLimit?: number; ThrottlingBurstLimit?: number };
        }>(template, id, 'AWS::ApiGatewayV2::Stage'),
      );
      expect(stages).toHaveLength(1);
      expect(stages[0]?.DefaultRouteSettings).toMatchObject({
        ThrottlingRateLimit: params.apiThrottleRate,
        ThrottlingBurstLimit: params.apiThrottleBurst,
      });
      expect(params.apiThrottleRate).toBeGreaterThan(0);
      expect(params.apiThrottleBurst).toBeGreaterThanOrEqual(params.apiThrottleRate as number);
    });

    it('caps the api function at the default reserved concurrency', () => {
      expect(params.apiReservedConcurrency).toBeGreaterThan(0);
      expect(fn('ApiLambdaFunction').ReservedConcurrentExecutions).toBe(
        params.apiReservedConcurrency,
      );
    });
  });

  describe('S3 notifications', () => {
    const configurations = (): LambdaConfiguration[] =>
      props<Bucket>(template, 'Bucket', 'AWS::S3::Bucket').NotificationConfiguration
        .LambdaConfigurations;

    it('invoke the process function on ObjectCreated for everything under uploads/', () => {
      expect(configurations()).toHaveLength(1);
      const [config] = configurations();
      expect(config?.Event).toBe('s3:ObjectCreated:*');
      expect(ruleValue(config as LambdaConfiguration, 'prefix')).toBe('uploads/');
      expect(render(config?.Function)).toBe(`\${ProcessLambdaFunction.Arn}`);
    });

    const fired = (key: string) =>
      firing(notifications(template), 'Bucket', 's3:ObjectCreated:Put', key);

    it.each(REAL_WORLD_UPLOAD_KEYS)('fire exactly once for %s, evaluated as S3 does', (key) => {
      expect(fired(key)).toHaveLength(1);
    });

    it('never match what processing writes, so processing cannot trigger itself', () => {
      expect(OUTPUT_KEYS.length).toBeGreaterThan(0);
      expect(OUTPUT_KEYS.filter((key) => fired(key).length > 0)).toEqual([]);
    });

    it('may invoke the function only from this bucket in this account', () => {
      const permissions = idsOfType(template, 'AWS::Lambda::Permission')
        .map((id) =>
          props<{
            Principal: string;
            FunctionName: unknown;
            SourceArn?: unknown;
            SourceAccount?: unknown;
          }>(template, id, 'AWS::Lambda::Permission'),
        )
        .filter((permission) => permission.Principal === 's3.amazonaws.com');
      expect(permissions).toHaveLength(1);
      for (const permission of permissions) {
        expect(render(permission.FunctionName)).toBe(`\${ProcessLambdaFunction.Arn}`);
        expect(render(permission.SourceArn)).toBe(BUCKET_ARN);
        expect(render(permission.SourceAccount)).toBe(`\${AWS::AccountId}`);
      }
    });
  });

  describe('asynchronous invocation of process', () => {
    it('retries twice, drops events older than an hour, then sends them to FailureQueue', () => {
      const configs = idsOfType(template, 'AWS::Lambda::EventInvokeConfig')
        .map((id) =>
          props<{
            FunctionName: unknown;
            MaximumRetryAttempts: number;
            MaximumEventAgeInSeconds: number;
            DestinationConfig?: { OnFailure?: { Destination: unknown } };
          }>(template, id, 'AWS::Lambda::EventInvokeConfig'),
        )
        .filter((config) => render(config.FunctionName) === `\${ProcessLambdaFunction}`);
      expect(configs).toHaveLength(1);
      expect(configs[0]).toMatchObject({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 });
      // The function knows the attempts it gets, so a failure before the last says retrying.
      const fn = props<{ Timeout: number; Environment: { Variables: Record<string, unknown> } }>(
        template,
        'ProcessLambdaFunction',
        'AWS::Lambda::Function',
      );
      expect(fn.Environment.Variables.PROCESS_MAX_ATTEMPTS).toBe(
        String((configs[0]?.MaximumRetryAttempts ?? 0) + 1),
      );
      // And a failure stays "retrying" no longer than the retries can take: waits of about
      // one and two minutes, and every attempt up to the timeout.
      expect(Number(fn.Environment.Variables.PROCESS_RETRY_WINDOW_SECONDS)).toBeGreaterThanOrEqual(
        60 + 120 + 3 * fn.Timeout,
      );
      expect(render(configs[0]?.DestinationConfig?.OnFailure?.Destination)).toBe(
        `\${FailureQueue.Arn}`,
      );
    });

    it('FailureQueue is encrypted and refuses requests without TLS', () => {
      const queue = props<{ SqsManagedSseEnabled?: boolean }>(
        template,
        'FailureQueue',
        'AWS::SQS::Queue',
      );
      expect(queue.SqsManagedSseEnabled).toBe(true);
      const denies = idsOfType(template, 'AWS::SQS::QueuePolicy')
        .map((id) =>
          props<{ Queues: unknown[]; PolicyDocument: { Statement: Statement[] } }>(
            template,
            id,
            'AWS::SQS::QueuePolicy',
          ),
        )
        .filter((policy) => policy.Queues.map(render).includes(`\${FailureQueue}`))
        .flatMap((policy) => asArray(policy.PolicyDocument.Statement))
        .filter(
          (s) =>
            deniesInsecureTransport(s) &&
            s.Principal === '*' &&
            asArray(s.Action).includes('sqs:*') &&
            resources(s).includes(`\${FailureQueue.Arn}`),
        );
      expect(denies).toHaveLength(1);
    });

    it('caps process at the default reserved concurrency', () => {
      expect(fn('ProcessLambdaFunction').ReservedConcurrentExecutions).toBe(
        params.processReservedConcurrency,
      );
    });

    it('keeps no provisioned concurrency by default', () => {
      expect(params.apiProvisionedConcurrency).toBe(0);
      const withProvisioned = Object.entries(template.Resources)
        .filter(([, resource]) => resource.Properties?.ProvisionedConcurrencyConfig !== undefined)
        .map(([id]) => id);
      expect(withProvisioned).toEqual([]);
    });

    it('with apiProvisionedConcurrency=2, keeps two warm on an alias the HTTP API calls', () => {
      const aliases = idsOfType(provisioned, 'AWS::Lambda::Alias').map((id) =>
        props<{
          FunctionName: unknown;
          Name: string;
          ProvisionedConcurrencyConfig?: { ProvisionedConcurrentExecutions: number };
        }>(provisioned, id, 'AWS::Lambda::Alias'),
      );
      const warm = aliases.filter((alias) => alias.ProvisionedConcurrencyConfig !== undefined);
      expect(warm).toHaveLength(1);
      expect(render(warm[0]?.FunctionName)).toBe(`\${ApiLambdaFunction}`);
      expect(warm[0]?.ProvisionedConcurrencyConfig?.ProvisionedConcurrentExecutions).toBe(2);
      // Provisioned concurrency only serves calls to the alias: the API must call the alias.
      const uris = idsOfType(provisioned, 'AWS::ApiGatewayV2::Integration').map((id) =>
        render(
          props<{ IntegrationUri: unknown }>(provisioned, id, 'AWS::ApiGatewayV2::Integration')
            .IntegrationUri,
        ),
      );
      expect(uris).toEqual([`\${ApiLambdaFunction.Arn}:${warm[0]?.Name}`]);
    });
  });

  describe('the bucket', () => {
    const bucket = (): Bucket => props<Bucket>(template, 'Bucket', 'AWS::S3::Bucket');

    const buckets = (): string[] => idsOfType(template, 'AWS::S3::Bucket');

    it('are ours and the framework deployment bucket, nothing else', () => {
      expect(buckets().sort()).toEqual(['Bucket', 'ServerlessDeploymentBucket']);
    });

    it('every bucket blocks public access, encrypts, and enforces bucket-owner ownership', () => {
      for (const id of buckets()) {
        const each = props<Bucket>(template, id, 'AWS::S3::Bucket');
        expect({ id, block: each.PublicAccessBlockConfiguration }).toEqual({
          id,
          block: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
        });
        expect(each.BucketEncryption?.ServerSideEncryptionConfiguration.length).toBeGreaterThan(0);
        expect(each.OwnershipControls?.Rules).toEqual([{ ObjectOwnership: 'BucketOwnerEnforced' }]);
      }
    });

    it('every bucket denies s3:* without TLS on the bucket and on its objects', () => {
      for (const id of buckets()) {
        const denied = idsOfType(template, 'AWS::S3::BucketPolicy')
          .map((policy) =>
            props<{ Bucket: unknown; PolicyDocument: { Statement: Statement[] } }>(
              template,
              policy,
              'AWS::S3::BucketPolicy',
            ),
          )
          .filter((policy) => render(policy.Bucket) === `\${${id}}`)
          .flatMap((policy) => asArray(policy.PolicyDocument.Statement))
          .filter(
            (s) =>
              deniesInsecureTransport(s) &&
              s.Principal === '*' &&
              asArray(s.Action).includes('s3:*'),
          )
          .flatMap(resources);
        expect({ id, objects: denied.some((arn) => arn.endsWith('/*')) }).toEqual({
          id,
          objects: true,
        });
        expect({ id, bucket: denied.some((arn) => !arn.endsWith('/*')) }).toEqual({
          id,
          bucket: true,
        });
      }
    });

    it('expires uploads/ and cartoons/ and aborts incomplete multipart uploads', () => {
      const rules = bucket().LifecycleConfiguration.Rules.filter((r) => r.Status === 'Enabled');
      const expiry = (prefix: string): number | undefined =>
        rules.find((r) => (r.Prefix ?? r.Filter?.Prefix) === prefix)?.ExpirationInDays;
      expect(expiry('uploads/')).toBe(params.uploadsExpireDays);
      expect(expiry('cartoons/')).toBe(params.resultsExpireDays);
      const abort = rules.find((r) => r.AbortIncompleteMultipartUpload !== undefined);
      expect(abort?.Prefix ?? abort?.Filter?.Prefix).toBeUndefined();
      expect(abort?.AbortIncompleteMultipartUpload?.DaysAfterInitiation).toBeGreaterThan(0);
    });

    it('lets browsers PUT to presigned upload URLs (CORS)', () => {
      const rules = bucket().CorsConfiguration.CorsRules;
      expect(rules.flatMap((r) => r.AllowedMethods)).toContain('PUT');
      expect(rules.flatMap((r) => r.AllowedHeaders)).toEqual(
        expect.arrayContaining(BROWSER_UPLOAD_HEADERS),
      );
    });

    it("allows CORS from the API's own page and the stage's corsOrigin, never from '*'", () => {
      const rules = bucket().CorsConfiguration.CorsRules;
      expect(rules).toHaveLength(1);
      const [own, extra] = rules[0]?.AllowedOrigins ?? [];
      expect(render(own)).toBe(API_ORIGIN);
      expect(extra).toEqual({
        'Fn::If': ['HasCorsOrigin', { Ref: 'CorsOrigin' }, { Ref: 'AWS::NoValue' }],
      });
      const parameter = (
        template as { Parameters?: Record<string, { Default: string; AllowedPattern: string }> }
      ).Parameters?.CorsOrigin;
      // The dev stage (what the test packages) allows the local console; other stages none.
      expect(parameter?.Default).toBe(LOCAL_CONSOLE);
      expect(defaultStageParams(path.join(ROOT, 'serverless.yml'))).toMatchObject({
        corsOrigin: 'none',
      });
      const pattern = new RegExp(parameter?.AllowedPattern ?? '^$');
      expect(['none', LOCAL_CONSOLE, 'https://app.example.com'].every((v) => pattern.test(v))).toBe(
        true,
      );
      expect(
        ['*', 'https://*.example.com', 'https://a.example.com/path'].some((v) => pattern.test(v)),
      ).toBe(false);
      expect(
        (template as { Conditions?: Record<string, unknown> }).Conditions?.HasCorsOrigin,
      ).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'CorsOrigin' }, 'none'] }] });
    });

    it('denies s3:* without TLS on the bucket and on its objects', () => {
      const policies = idsOfType(template, 'AWS::S3::BucketPolicy')
        .map((id) =>
          props<{ Bucket: unknown; PolicyDocument: { Statement: Statement[] } }>(
            template,
            id,
            'AWS::S3::BucketPolicy',
          ),
        )
        .filter((policy) => render(policy.Bucket) === `\${Bucket}`);
      expect(policies).toHaveLength(1);
      const denies = asArray(policies[0]?.PolicyDocument.Statement).filter(
        (s) =>
          deniesInsecureTransport(s) && s.Principal === '*' && asArray(s.Action).includes('s3:*'),
      );
      expect(denies.flatMap(resources).sort()).toEqual([BUCKET_ARN, `${BUCKET_ARN}/*`]);
    });
  });

  describe('IAM', () => {
    const allowStatements = (): { where: string; owner: string; statement: Statement }[] =>
      permissionPolicies(template).flatMap((policy) =>
        policy.statements
          .filter((statement) => statement.Effect === 'Allow')
          .map((statement) => ({ where: policy.where, owner: policy.owner, statement })),
      );
    const describeStatement = (where: string, statement: Statement): string =>
      `${where} ${statement.Sid ?? JSON.stringify(statement.Action)}`;

    it('finds the policies of both function roles', () => {
      const owners = new Set(allowStatements().map((s) => s.owner));
      for (const { id } of FUNCTIONS) expect(owners).toContain(roleOf(fn(id)));
    });

    it('allows no wildcard action, NotAction, NotResource or managed policy', () => {
      const wildcard = allowStatements()
        .filter(
          ({ statement }) =>
            statement.NotAction !== undefined ||
            statement.NotResource !== undefined ||
            asArray(statement.Action).some((action) => action === '*' || /^[^:]+:\*$/.test(action)),
        )
        .map(({ where, statement }) => describeStatement(where, statement));
      expect(wildcard).toEqual([]);
      const managed = idsOfType(template, 'AWS::IAM::Role').filter(
        (id) =>
          asArray(
            props<{ ManagedPolicyArns?: unknown[] }>(template, id, 'AWS::IAM::Role')
              .ManagedPolicyArns,
          ).length > 0,
      );
      expect(managed).toEqual([]);
    });

    it('allows nothing on Resource "*"', () => {
      const anywhere = allowStatements()
        .filter(
          ({ statement }) => statement.Resource === undefined || resources(statement).includes('*'),
        )
        .map(({ where, statement }) => describeStatement(where, statement));
      expect(anywhere).toEqual([]);
    });

    it('scopes every object ARN to uploads/, cartoons/ or failed/, never bucket/*', () => {
      const objectArns = allowStatements()
        .flatMap(({ statement }) => resources(statement))
        .filter((arn) => arn.startsWith(`${BUCKET_ARN}/`));
      expect(objectArns.length).toBeGreaterThan(0);
      const unscoped = objectArns.filter(
        (arn) => !PREFIXES.some((prefix) => arn === `${BUCKET_ARN}/${prefix}*`),
      );
      expect(unscoped).toEqual([]);
      // No statement anywhere reaches into a bucket other than the service's.
      const s3Arns = allowStatements()
        .flatMap(({ statement }) => resources(statement))
        .filter((arn) => arn.includes(':s3:::'));
      expect(
        s3Arns.filter((arn) => arn !== BUCKET_ARN && !arn.startsWith(`${BUCKET_ARN}/`)),
      ).toEqual([]);
    });

    const writers = (role: string, prefix: string): string[] =>
      allowStatements()
        .filter(({ owner }) => owner === role)
        .filter(({ statement }) => allows(statement, 's3:PutObject'))
        .filter(({ statement }) =>
          resources(statement).some((arn) =>
            `${BUCKET_ARN}/${prefix}x.jpg`.startsWith(arn.replace(/\*$/, '')),
          ),
        )
        .map(({ where, statement }) => describeStatement(where, statement));

    it('the process role cannot write under uploads/', () => {
      expect(writers(roleOf(fn('ProcessLambdaFunction')), 'uploads/')).toEqual([]);
      expect(writers(roleOf(fn('ProcessLambdaFunction')), 'cartoons/')).not.toEqual([]);
    });

    it('the api role cannot write under cartoons/', () => {
      expect(writers(roleOf(fn('ApiLambdaFunction')), 'cartoons/')).toEqual([]);
      expect(writers(roleOf(fn('ApiLambdaFunction')), 'uploads/')).not.toEqual([]);
    });

    // S3 answers a GET or HEAD of a missing key with 404 only to a caller that may list the
    // bucket; to anyone else it is 403 AccessDenied (S3 API reference, HeadObject and
    // GetObject, "Permissions"). The code expects 404 (NotFoundError) for missing keys: the
    // process function HEADs cartoons/<name>.jpg before its first result exists, and
    // GET /cartoons/{id} HEADs cartoons/ and GETs failed/ while an upload is pending.
    it('lets each role list every prefix it reads, so a missing key is 404 and not 403', () => {
      const missing: string[] = [];
      for (const { id } of FUNCTIONS) {
        const role = roleOf(fn(id));
        const statements = allowStatements().filter(({ owner }) => owner === role);
        const readPrefixes = PREFIXES.filter((prefix) =>
          statements.some(
            ({ statement }) =>
              allows(statement, 's3:GetObject') &&
              resources(statement).includes(`${BUCKET_ARN}/${prefix}*`),
          ),
        );
        for (const prefix of readPrefixes) {
          const listable = statements.some(({ statement }) => {
            if (!allows(statement, 's3:ListBucket') || !resources(statement).includes(BUCKET_ARN)) {
              return false;
            }
            const condition = statement.Condition;
            if (condition === undefined) return true;
            const keys = Object.keys(condition);
            const like = asArray(
              condition.StringLike?.['s3:prefix'] as string | string[] | undefined,
            );
            return (
              keys.length === 1 &&
              keys[0] === 'StringLike' &&
              like.some((pattern) => globMatches(pattern, `${prefix}x.jpg`))
            );
          });
          if (!listable) missing.push(`${role} reads ${prefix} but may not list it`);
        }
      }
      expect(missing).toEqual([]);
    });

    it('lets no role list anything outside uploads/, cartoons/ and failed/', () => {
      const listings = allowStatements().filter(({ statement }) =>
        allows(statement, 's3:ListBucket'),
      );
      expect(listings).toHaveLength(FUNCTIONS.length);
      for (const { statement } of listings) {
        expect(Object.keys(statement.Condition ?? {})).toEqual(['StringLike']);
        const patterns = asArray(
          statement.Condition?.StringLike?.['s3:prefix'] as string | string[] | undefined,
        );
        expect(patterns.sort()).toEqual(PREFIXES.map((prefix) => `${prefix}*`).sort());
        for (const outside of ['', 'x.jpg', 'serverless/', 'uploadsx/a.jpg']) {
          expect(patterns.some((pattern) => globMatches(pattern, outside))).toBe(false);
        }
      }
    });
  });

  describe('operations', () => {
    it('logs every request of the HTTP API stage as JSON, kept like the function logs', () => {
      const stage = props<{
        AccessLogSettings?: { DestinationArn: unknown; Format: string };
      }>(template, 'HttpApiStage', 'AWS::ApiGatewayV2::Stage');
      expect(render(stage.AccessLogSettings?.DestinationArn)).toBe(`\${HttpApiLogGroup.Arn}`);
      const format = JSON.parse(stage.AccessLogSettings?.Format ?? '{}') as Record<string, string>;
      expect(format).toMatchObject({
        ip: '$context.identity.sourceIp',
        status: '$context.status',
        routeKey: '$context.routeKey',
        integrationError: '$context.integrationErrorMessage',
      });
      expect(
        props<{ RetentionInDays: number }>(template, 'HttpApiLogGroup', 'AWS::Logs::LogGroup'),
      ).toMatchObject({ RetentionInDays: params.logRetentionDays });
    });

    it('alarms as soon as the failure queue holds a message', () => {
      const alarms = idsOfType(template, 'AWS::CloudWatch::Alarm').map((id) =>
        props<Record<string, unknown>>(template, id, 'AWS::CloudWatch::Alarm'),
      );
      expect(alarms).toHaveLength(1);
      expect(alarms[0]).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['FailureQueue', 'QueueName'] } }],
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
      });
    });

    it("passes AWS's template validator: no error, and only the accepted warnings", () => {
      const findings = validateTemplates({ default: template, provisioned });
      const { unexpected, unused } = judge(findings, 'serverless');
      expect(unexpected).toEqual([]);
      expect(unused).toEqual([]);
    }, 120_000);
  });

  describe('outputs', () => {
    it('has the HTTP API URL and the bucket name', () => {
      expect(render(template.Outputs?.HttpApiUrl?.Value)).toBe(
        `https://\${HttpApi}.execute-api.\${AWS::Region}.\${AWS::URLSuffix}`,
      );
      expect(render(template.Outputs?.BucketName?.Value)).toBe(`\${Bucket}`);
    });
  });
});
