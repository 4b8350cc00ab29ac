/**
 * A template "deployed" into the fake AWS the way CloudFormation and Lambda would: each
 * resource gets the physical id CloudFormation gives it (the name the template sets, else a
 * generated `<stack>-<LogicalId>-<suffix>`), each log group the template declares exists, each
 * function has the `LoggingConfig.LogGroup` its template gives (resolved to that group's
 * name), and the stack's outputs are the keys the template declares. URL outputs (values that
 * start with http:// or https://) point at the fake, so its `/health` is the load balancer's.
 */
import type { FakeAws, FakeFunction } from './fake-aws';
import { FAKE_ACCOUNT, FAKE_REGION } from './fake-aws';
import { render, type Template } from './template';

export interface Deployed {
  /** Physical id by logical id. */
  readonly physical: Record<string, string>;
  /** Each function's name and the log group Lambda writes its REPORT lines to. */
  readonly functions: { logicalId: string; name: string; logGroup: string }[];
  /** Log groups the stack created. */
  readonly logGroups: string[];
}

const suffix = (id: string) =>
  [...id]
    .reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7)
    .toString(36)
    .toUpperCase();

/** The target of a `{ Ref: X }`, or undefined for anything else. */
function refOf(value: unknown): string | undefined {
  if (value !== null && typeof value === 'object' && 'Ref' in value) {
    return String((value as { Ref: unknown }).Ref);
  }
  return undefined;
}

/**
 * Puts the template's stack into the fake, with its status.
 *
 * @example
 * ```ts
 * const deployed = deployTemplate(aws, template, 'cartoon-compute-dev-lambda-image');
 * deployed.functions[0].logGroup; // 'cartoon-compute-dev-lambda-image-ApiLogs…-…'
 * ```
 */
export function deployTemplate(
  aws: FakeAws,
  template: Template,
  stackName: string,
  status = 'CREATE_COMPLETE',
): Deployed {
  const physical: Record<string, string> = {};
  const named = (id: string, key: string) => {
    const value = template.Resources[id]?.Properties?.[key];
    return typeof value === 'string' ? value : `${stackName}-${id}-${suffix(id)}`.slice(0, 140);
  };
  for (const [id, resource] of Object.entries(template.Resources)) {
    switch (resource.Type) {
      case 'AWS::Lambda::Function':
        physical[id] = named(id, 'FunctionName');
        break;
      case 'AWS::Logs::LogGroup':
        physical[id] = named(id, 'LogGroupName');
        break;
      case 'AWS::ECS::Cluster':
        physical[id] = named(id, 'ClusterName');
        break;
      default:
        physical[id] = `${stackName}-${id}-${suffix(id)}`;
    }
  }
  // Ids that name other resources: after every name is known.
  for (const [id, resource] of Object.entries(template.Resources)) {
    const p = resource.Properties ?? {};
    if (resource.Type === 'AWS::ECS::Service') {
      const cluster = physical[refOf(p.Cluster) ?? ''] ?? 'default';
      physical[id] =
        `arn:aws:ecs:${FAKE_REGION}:${FAKE_ACCOUNT}:service/${cluster}/${named(id, 'ServiceName')}`;
    }
    if (resource.Type === 'AWS::Lambda::Alias') {
      const fn = physical[refOf(p.FunctionName) ?? ''] ?? render(p.FunctionName);
      physical[id] =
        `arn:aws:lambda:${FAKE_REGION}:${FAKE_ACCOUNT}:function:${fn}:${render(p.Name)}`;
    }
  }
  const logGroups = Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::Logs::LogGroup')
    .map(([id]) => physical[id] ?? id);
  for (const group of logGroups) aws.state.logGroups.set(group, []);
  const functions = Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
    .map(([logicalId, r]) => {
      const name = physical[logicalId] ?? logicalId;
      const configured = (r.Properties?.LoggingConfig as { LogGroup?: unknown } | undefined)
        ?.LogGroup;
      const logGroup =
        configured === undefined
          ? `/aws/lambda/${name}`
          : (physical[refOf(configured) ?? ''] ?? render(configured));
      const variables = (r.Properties?.Environment as { Variables?: Record<string, unknown> })
        ?.Variables;
      const fn: FakeFunction = {
        variables: Object.fromEntries(
          Object.entries(variables ?? {}).map(([k, v]) => [k, render(v)]),
        ),
        revision: 1,
        ...(configured === undefined ? {} : { logGroup }),
        lastUpdateStatus: 'Successful',
        conflicts: 0,
        inProgressReads: 0,
        readsPerUpdate: 0,
      };
      aws.state.functions.set(name, fn);
      return { logicalId, name, logGroup };
    });
  const outputs: Record<string, string> = {};
  for (const [key, output] of Object.entries(template.Outputs ?? {})) {
    const rendered = render(output.Value);
    const ref = refOf(output.Value);
    outputs[key] = /^https?:\/\//.test(rendered)
      ? aws.url
      : ref !== undefined
        ? (physical[ref] ?? rendered)
        : rendered;
  }
  aws.state.stacks.set(stackName, {
    status,
    outputs,
    resources: Object.entries(template.Resources).map(([id, r]) => ({
      LogicalResourceId: id,
      PhysicalResourceId: physical[id] ?? id,
      ResourceType: r.Type,
    })),
  });
  return { physical, functions, logGroups };
}
