/**
 * Reading the CloudFormation template that `serverless package` writes: resources by logical
 * id and type, intrinsic functions rendered as strings to compare on, IAM statements and their
 * action patterns, and the documented default stage params from serverless.yml.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

export interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string | string[];
}

export interface Template {
  readonly Resources: Record<string, Resource>;
  readonly Outputs?: Record<string, { readonly Value: unknown }>;
}

export function readTemplate(file: string): Template {
  return JSON.parse(readFileSync(file, 'utf8')) as Template;
}

/** A resource's properties, typed as the caller expects them; throws if it is missing. */
export function props<T>(template: Template, id: string, type: string): T {
  const resource = template.Resources[id];
  if (resource === undefined) throw new Error(`no resource ${id} in the template`);
  if (resource.Type !== type) throw new Error(`${id} is a ${resource.Type}, not a ${type}`);
  return (resource.Properties ?? {}) as T;
}

export function idsOfType(template: Template, type: string): string[] {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([id]) => id);
}

/**
 * An intrinsic as one string to compare on: a `Fn::Sub` gives its string, a `Fn::Join` its
 * joined parts, a `Ref` `${Name}` and a `Fn::GetAtt` `${Name.Attr}`, as `Fn::Sub` spells them.
 */
export function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) || value === null || typeof value !== 'object') {
    return JSON.stringify(value);
  }
  const entries = Object.entries(value);
  const [key, arg] = entries[0] ?? [];
  if (entries.length !== 1) return JSON.stringify(value);
  if (key === 'Ref' && typeof arg === 'string') return `\${${arg}}`;
  if (key === 'Fn::GetAtt' && Array.isArray(arg)) return `\${${arg.join('.')}}`;
  if (key === 'Fn::Sub') return render(Array.isArray(arg) ? arg[0] : arg);
  if (key === 'Fn::Join' && Array.isArray(arg) && Array.isArray(arg[1])) {
    return (arg[1] as unknown[]).map(render).join(String(arg[0]));
  }
  return JSON.stringify(value);
}

export function asArray<T>(value: T | readonly T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? [...(value as readonly T[])] : [value as T];
}

export interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: unknown;
  readonly NotResource?: unknown;
  readonly Principal?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

interface PolicyDocument {
  readonly Statement: Statement | Statement[];
}

/** A permission policy found in the template, and where. */
/**
 * Whether a statement denies requests made without TLS: `Condition: { Bool:
 * { aws:SecureTransport: false } }`, as a string or a boolean.
 */
export function deniesInsecureTransport(statement: Statement): boolean {
  const value = statement.Condition?.Bool?.['aws:SecureTransport'];
  return statement.Effect === 'Deny' && String(value) === 'false';
}

export interface FoundPolicy {
  /** The role's logical id, or the policy resource's. */
  readonly owner: string;
  readonly where: string;
  readonly statements: Statement[];
}

/**
 * Every permission policy of every AWS::IAM::Role (inline `Policies`), AWS::IAM::Policy and
 * AWS::IAM::ManagedPolicy in the template. Trust policies are not permission policies.
 */
export function permissionPolicies(template: Template): FoundPolicy[] {
  const found: FoundPolicy[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    const properties = resource.Properties ?? {};
    if (resource.Type === 'AWS::IAM::Role') {
      const inline = (properties.Policies ?? []) as {
        PolicyName: string;
        PolicyDocument: PolicyDocument;
      }[];
      for (const policy of inline) {
        found.push({
          owner: id,
          where: `${id}.Policies[${render(policy.PolicyName)}]`,
          statements: asArray(policy.PolicyDocument.Statement),
        });
      }
    }
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
      const document = properties.PolicyDocument as PolicyDocument;
      for (const role of asArray(properties.Roles as unknown[] | undefined)) {
        found.push({ owner: render(role), where: id, statements: asArray(document.Statement) });
      }
      if (properties.Roles === undefined) {
        found.push({ owner: id, where: id, statements: asArray(document.Statement) });
      }
    }
  }
  return found;
}

/** Whether `value` matches an IAM wildcard pattern, where `*` is any run and `?` any one. */
export function globMatches(pattern: string, value: string, ignoreCase = false): boolean {
  const regex = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${regex}$`, ignoreCase ? 'i' : '').test(value);
}

/** Whether an IAM action pattern (`s3:Put*`, `*`) grants `action`; IAM compares without case. */
export function actionMatches(pattern: string, action: string): boolean {
  return globMatches(pattern, action, true);
}

/** Whether a statement with Effect Allow grants `action` (through `Action`). */
export function allows(statement: Statement, action: string): boolean {
  return (
    statement.Effect === 'Allow' &&
    asArray(statement.Action).some((pattern) => actionMatches(pattern, action))
  );
}

/** The statement's resources, rendered. */
export function resources(statement: Statement): string[] {
  return asArray(statement.Resource).map(render);
}

/** Documented defaults under `params.default` in serverless.yml. */
export interface StageParams {
  readonly apiMemory: number;
  readonly apiTimeout: number;
  readonly processMemory: number;
  readonly processTimeout: number;
  readonly processReservedConcurrency: number;
  readonly apiReservedConcurrency: number;
  readonly apiThrottleRate: number;
  readonly apiThrottleBurst: number;
  readonly apiProvisionedConcurrency: number;
  readonly logRetentionDays: number;
  readonly logLevel: string;
  readonly uploadsExpireDays: number;
  readonly resultsExpireDays: number;
  /** A browser origin the bucket's CORS rule allows besides the API's own, or `none`. */
  readonly corsOrigin: string;
}

/**
 * `params.default` read from serverless.yml. Only the top-level `params:` block is parsed:
 * the rest of the file uses CloudFormation tags (`!Ref`, `!Sub`) that a plain YAML schema
 * refuses.
 */
export function defaultStageParams(serverlessYml: string): StageParams {
  const lines = readFileSync(serverlessYml, 'utf8').split('\n');
  const start = lines.findIndex((line) => /^params:\s*(#.*)?$/.test(line));
  if (start < 0) throw new Error(`no top-level params: block in ${path.basename(serverlessYml)}`);
  const length = lines.slice(start + 1).findIndex((line) => /^[^\s#]/.test(line));
  const block = lines.slice(start, length < 0 ? undefined : start + 1 + length).join('\n');
  const parsed = parseYaml(block) as { params?: { default?: StageParams } } | null;
  const defaults = parsed?.params?.default;
  if (defaults === undefined) throw new Error('serverless.yml has no params.default');
  return defaults;
}
