/**
 * A fake AWS on loopback for the load test's AWS path: one HTTP server that answers the five
 * APIs it calls in the wire shapes the SDK clients parse (CloudFormation's query protocol with
 * XML answers; Lambda's REST JSON; CloudWatch Logs, ECS and Application Auto Scaling as JSON 1.1
 * with an `x-amz-target` header), plus a load balancer's `GET /health`. The real SDK clients
 * reach it with `endpoint` (or `AWS_ENDPOINT_URL` in a child's environment), so what is tested
 * is real HTTP through the real clients, their retries and their waiters.
 *
 * Its state is plain data a test sets up (stacks, functions, log rows, a service) and scripts
 * (conflicts to answer, reads that say InProgress, rows that appear late, health checks that
 * fail first). Every call is recorded, so a test asserts what was sent.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeStack {
  status: string;
  statusReason?: string;
  outputs: Record<string, string>;
  resources: { LogicalResourceId: string; PhysicalResourceId: string; ResourceType: string }[];
}

export interface FakeFunction {
  variables: Record<string, string>;
  revision: number;
  logGroup?: string;
  environmentError?: { ErrorCode: string; Message: string };
  lastUpdateStatus: 'Successful' | 'InProgress' | 'Failed';
  /** UpdateFunctionConfiguration calls still to be refused with ResourceConflictException. */
  conflicts: number;
  /** GetFunction reads that still say InProgress before the status turns Successful. */
  inProgressReads: number;
  /** inProgressReads given after each update. */
  readsPerUpdate: number;
}

export interface FakeRow {
  /** AWS's time of the REPORT line, ms. */
  timestamp: number;
  fields: Record<string, string>;
  /** The first StartQuery (counted from 1) whose results include it: late indexing. */
  visibleFromQuery: number;
}

export interface FakeService {
  cluster: string;
  desiredCount: number;
  runningCount: number;
  /** DescribeServices calls after an UpdateService before running reaches desired. */
  pollsToSettle: number;
  pollsSinceUpdate: number;
  /** When false, running never follows desired (a run stuck waiting, for interrupts). */
  settles: boolean;
}

export interface Recorded {
  readonly api: 'cloudformation' | 'lambda' | 'logs' | 'ecs' | 'autoscaling' | 'alb';
  readonly action: string;
  readonly input: Record<string, unknown>;
}

export interface FakeAwsState {
  stacks: Map<string, FakeStack>;
  functions: Map<string, FakeFunction>;
  logGroups: Map<string, FakeRow[]>;
  /** GetQueryResults answers Running this many times per query before Complete. */
  runningPolls: number;
  services: Map<string, FakeService>;
  scalableTargets: Map<string, { MinCapacity: number; MaxCapacity: number }>;
  tasks: Record<string, unknown>[];
  /** GET /health answers 503 this many more times (targets not yet healthy), then 200. */
  unhealthyChecks: number;
  /** Unhealthy answers given to each scale-up from zero. */
  unhealthyPerScaleUp: number;
}

export interface FakeAws {
  readonly url: string;
  readonly state: FakeAwsState;
  readonly calls: Recorded[];
  /** The recorded calls of one API action, in order. */
  sent(action: string): Record<string, unknown>[];
  /** Resolves once a call matching `predicate` has been recorded. */
  seen(predicate: (call: Recorded) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';

const xml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function members(items: readonly Record<string, string | undefined>[]): string {
  return items
    .map(
      (item) =>
        `<member>${Object.entries(item)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => `<${k}>${xml(String(v))}</${k}>`)
          .join('')}</member>`,
    )
    .join('');
}

class AwsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function functionConfiguration(name: string, fn: FakeFunction) {
  return {
    FunctionName: name,
    FunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`,
    Runtime: 'nodejs24.x',
    Version: '$LATEST',
    RevisionId: `rev-${fn.revision}`,
    State: 'Active',
    LastUpdateStatus: fn.lastUpdateStatus,
    Environment: fn.environmentError
      ? { Error: fn.environmentError }
      : { Variables: { ...fn.variables } },
    ...(fn.logGroup ? { LoggingConfig: { LogFormat: 'Text', LogGroup: fn.logGroup } } : {}),
  };
}

/**
 * Starts the fake on an ephemeral loopback port with empty state.
 *
 * @example
 * ```ts
 * const aws = await startFakeAws();
 * aws.state.stacks.set('cartoon-compute-dev', { status: 'CREATE_COMPLETE', outputs: {}, resources: [] });
 * new CloudFormationClient({ endpoint: aws.url, region: 'eu-west-1', credentials });
 * await aws.close();
 * ```
 */
export async function startFakeAws(): Promise<FakeAws> {
  const state: FakeAwsState = {
    stacks: new Map(),
    functions: new Map(),
    logGroups: new Map(),
    runningPolls: 1,
    services: new Map(),
    scalableTargets: new Map(),
    tasks: [],
    unhealthyChecks: 0,
    unhealthyPerScaleUp: 0,
  };
  const calls: Recorded[] = [];
  const waiters: { predicate: (c: Recorded) => boolean; resolve: () => void }[] = [];
  const record = (call: Recorded) => {
    calls.push(call);
    for (const w of [...waiters]) {
      if (w.predicate(call)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  const queries = new Map<
    string,
    { group: string; start: number; end: number; n: number; polls: number }
  >();
  let queryCount = 0;

  const cloudformation = (action: string, params: URLSearchParams): string => {
    const input = Object.fromEntries(params);
    record({ api: 'cloudformation', action, input });
    const name = params.get('StackName') ?? '';
    const stack = state.stacks.get(name);
    if (stack === undefined) {
      throw new AwsError(400, 'ValidationError', `Stack with id ${name} does not exist`);
    }
    if (action === 'DescribeStacks') {
      const outputs = members(
        Object.entries(stack.outputs).map(([OutputKey, OutputValue]) => ({
          OutputKey,
          OutputValue,
        })),
      );
      return `<DescribeStacksResult><Stacks><member><StackName>${xml(name)}</StackName><StackId>arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${xml(name)}/1</StackId><CreationTime>2026-12-01T10:00:00.000Z</CreationTime><StackStatus>${stack.status}</StackStatus>${stack.statusReason ? `<StackStatusReason>${xml(stack.statusReason)}</StackStatusReason>` : ''}<Outputs>${outputs}</Outputs></member></Stacks></DescribeStacksResult>`;
    }
    if (action === 'DescribeStackResources') {
      const resources = members(
        stack.resources.map((r) => ({
          StackName: name,
          ...r,
          ResourceStatus: 'CREATE_COMPLETE',
          Timestamp: '2026-12-01T10:00:00.000Z',
        })),
      );
      return `<DescribeStackResourcesResult><StackResources>${resources}</StackResources></DescribeStackResourcesResult>`;
    }
    throw new AwsError(400, 'InvalidAction', `fake CloudFormation has no ${action}`);
  };

  const lambda = (method: string, url: URL, body: Record<string, unknown>): unknown => {
    const match = /^\/2015-03-31\/functions\/([^/]+)(\/configuration)?$/.exec(url.pathname);
    if (!match?.[1]) throw new AwsError(404, 'UnknownOperationException', url.pathname);
    const name = decodeURIComponent(match[1]);
    const action =
      method === 'PUT'
        ? 'UpdateFunctionConfiguration'
        : match[2]
          ? 'GetFunctionConfiguration'
          : 'GetFunction';
    record({ api: 'lambda', action, input: { FunctionName: name, ...body } });
    const fn = state.functions.get(name);
    if (fn === undefined) {
      throw new AwsError(404, 'ResourceNotFoundException', `Function not found: ${name}`);
    }
    if (action === 'GetFunction') {
      if (fn.inProgressReads > 0) {
        fn.inProgressReads--;
        fn.lastUpdateStatus = 'InProgress';
      } else if (fn.lastUpdateStatus === 'InProgress') {
        fn.lastUpdateStatus = 'Successful';
      }
      return { Configuration: functionConfiguration(name, fn), Code: { RepositoryType: 'S3' } };
    }
    if (action === 'GetFunctionConfiguration') return functionConfiguration(name, fn);
    if (fn.conflicts > 0 || fn.lastUpdateStatus === 'InProgress') {
      if (fn.conflicts > 0) fn.conflicts--;
      throw new AwsError(
        409,
        'ResourceConflictException',
        `The operation cannot be performed at this time. An update is in progress for resource: arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`,
      );
    }
    if (body.RevisionId !== undefined && body.RevisionId !== `rev-${fn.revision}`) {
      throw new AwsError(
        412,
        'PreconditionFailedException',
        'The RevisionId provided does not match the latest RevisionId for the Lambda function.',
      );
    }
    const environment = body.Environment as { Variables?: Record<string, string> } | undefined;
    fn.variables = { ...(environment?.Variables ?? {}) };
    fn.revision++;
    fn.inProgressReads = fn.readsPerUpdate;
    fn.lastUpdateStatus = fn.readsPerUpdate > 0 ? 'InProgress' : 'Successful';
    return functionConfiguration(name, fn);
  };

  const json = (target: string, body: Record<string, unknown>): unknown => {
    const [service = '', action = ''] = target.split('.');
    const api =
      service === 'Logs_20140328'
        ? 'logs'
        : service === 'AmazonEC2ContainerServiceV20141113'
          ? 'ecs'
          : 'autoscaling';
    record({ api, action, input: body });
    if (action === 'StartQuery') {
      const group = String(body.logGroupName);
      if (!state.logGroups.has(group)) {
        throw new AwsError(
          400,
          'ResourceNotFoundException',
          'The specified log group does not exist.',
        );
      }
      const queryId = `q-${++queryCount}`;
      queries.set(queryId, {
        group,
        start: Number(body.startTime) * 1000,
        end: Number(body.endTime) * 1000,
        n: queryCount,
        polls: 0,
      });
      return { queryId };
    }
    if (action === 'GetQueryResults') {
      const query = queries.get(String(body.queryId));
      if (query === undefined)
        throw new AwsError(400, 'ResourceNotFoundException', 'no such query');
      if (query.polls++ < state.runningPolls) return { status: 'Running', results: [] };
      const rows = (state.logGroups.get(query.group) ?? []).filter(
        (r) =>
          r.visibleFromQuery <= query.n && r.timestamp >= query.start && r.timestamp <= query.end,
      );
      return {
        status: 'Complete',
        results: rows.map((r) =>
          Object.entries({ '@timestamp': new Date(r.timestamp).toISOString(), ...r.fields }).map(
            ([field, value]) => ({ field, value }),
          ),
        ),
        statistics: { recordsMatched: rows.length, recordsScanned: rows.length, bytesScanned: 0 },
      };
    }
    if (action === 'DescribeServices') {
      const services = (body.services as string[]).map((name) => {
        const s = state.services.get(name);
        if (s === undefined) return undefined;
        if (s.settles && s.runningCount !== s.desiredCount) {
          if (++s.pollsSinceUpdate >= s.pollsToSettle) s.runningCount = s.desiredCount;
        }
        return {
          serviceName: name,
          serviceArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${s.cluster}/${name}`,
          status: 'ACTIVE',
          desiredCount: s.desiredCount,
          runningCount: s.runningCount,
          pendingCount: s.desiredCount - s.runningCount,
          deployments: [
            {
              id: 'ecs-svc/1',
              status: 'PRIMARY',
              desiredCount: s.desiredCount,
              runningCount: s.runningCount,
            },
          ],
        };
      });
      return {
        services: services.filter((s) => s !== undefined),
        failures: (body.services as string[])
          .filter((name) => !state.services.has(name))
          .map((name) => ({ arn: name, reason: 'MISSING' })),
      };
    }
    if (action === 'UpdateService') {
      const s = state.services.get(String(body.service));
      if (s === undefined)
        throw new AwsError(400, 'ServiceNotFoundException', 'Service not found.');
      if (body.desiredCount !== undefined) {
        const from = s.desiredCount;
        s.desiredCount = Number(body.desiredCount);
        s.pollsSinceUpdate = 0;
        if (from === 0 && s.desiredCount > 0) state.unhealthyChecks = state.unhealthyPerScaleUp;
      }
      return { service: { serviceName: body.service, desiredCount: s.desiredCount } };
    }
    if (action === 'ListTasks') {
      return { taskArns: state.tasks.map((t) => t.taskArn) };
    }
    if (action === 'DescribeTasks') {
      return { tasks: state.tasks, failures: [] };
    }
    if (action === 'DescribeScalableTargets') {
      const ids = (body.ResourceIds as string[] | undefined) ?? [...state.scalableTargets.keys()];
      return {
        ScalableTargets: ids.flatMap((id) => {
          const t = state.scalableTargets.get(id);
          return t
            ? [
                {
                  ServiceNamespace: 'ecs',
                  ResourceId: id,
                  ScalableDimension: 'ecs:service:DesiredCount',
                  MinCapacity: t.MinCapacity,
                  MaxCapacity: t.MaxCapacity,
                  RoleARN: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService`,
                  CreationTime: 1_764_000_000,
                },
              ]
            : [];
        }),
      };
    }
    if (action === 'RegisterScalableTarget') {
      const t = state.scalableTargets.get(String(body.ResourceId));
      if (t && body.MinCapacity !== undefined) t.MinCapacity = Number(body.MinCapacity);
      return {};
    }
    throw new AwsError(400, 'UnknownOperationException', `fake has no ${target}`);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(request.url ?? '/', 'http://fake');
    const target = request.headers['x-amz-target'];
    const type = String(request.headers['content-type'] ?? '');
    try {
      if (request.method === 'GET' && url.pathname === '/health') {
        record({ api: 'alb', action: 'GET /health', input: {} });
        if (state.unhealthyChecks > 0) {
          state.unhealthyChecks--;
          response
            .writeHead(503, { 'content-type': 'text/html' })
            .end('503 Service Temporarily Unavailable');
        } else {
          response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
        }
        return;
      }
      if (typeof target === 'string') {
        const out = json(target, raw ? (JSON.parse(raw) as Record<string, unknown>) : {});
        response
          .writeHead(200, { 'content-type': 'application/x-amz-json-1.1' })
          .end(JSON.stringify(out));
        return;
      }
      if (type.startsWith('application/x-www-form-urlencoded')) {
        const params = new URLSearchParams(raw);
        const action = params.get('Action') ?? '';
        const result = cloudformation(action, params);
        response
          .writeHead(200, { 'content-type': 'text/xml' })
          .end(
            `<${action}Response xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">${result}<ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></${action}Response>`,
          );
        return;
      }
      const out = lambda(
        request.method ?? 'GET',
        url,
        raw ? (JSON.parse(raw) as Record<string, unknown>) : {},
      );
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
    } catch (err) {
      if (!(err instanceof AwsError)) {
        response.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
        return;
      }
      if (type.startsWith('application/x-www-form-urlencoded')) {
        response
          .writeHead(err.status, { 'content-type': 'text/xml' })
          .end(
            `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>${err.code}</Code><Message>${xml(err.message)}</Message></Error><RequestId>fake</RequestId></ErrorResponse>`,
          );
      } else if (typeof target === 'string') {
        response
          .writeHead(err.status, { 'content-type': 'application/x-amz-json-1.1' })
          .end(JSON.stringify({ __type: err.code, message: err.message }));
      } else {
        response
          .writeHead(err.status, {
            'content-type': 'application/json',
            'x-amzn-errortype': `${err.code}:`,
          })
          .end(JSON.stringify({ Type: 'User', message: err.message }));
      }
    }
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((err: unknown) => {
      response.writeHead(500).end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    calls,
    sent: (action) => calls.filter((c) => c.action === action).map((c) => c.input),
    seen: (predicate, timeoutMs = 30_000) =>
      calls.some(predicate)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            const timer = setTimeout(
              () => reject(new Error('the fake AWS never saw the awaited call')),
              timeoutMs,
            );
            waiters.push({
              predicate,
              resolve: () => {
                clearTimeout(timer);
                resolve();
              },
            });
          }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Static credentials for clients pointed at the fake (it does not check signatures). */
export const FAKE_CREDENTIALS = { accessKeyId: 'AKIAFAKE', secretAccessKey: 'fake' };
export const FAKE_REGION = REGION;
export const FAKE_ACCOUNT = ACCOUNT;
