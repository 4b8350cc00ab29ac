/**
 * AWS's offline template validator, `@aws/cloudformation-validate` (cfn-lint's rules and the
 * resource provider schemas, compiled to WebAssembly), run over the templates the project
 * deploys: the serverless package's and every CDK stack's. Errors always fail; a warning fails
 * unless it is listed below with the reason it is accepted, and an accepted warning that no
 * template raises any more fails too, so the list cannot rot.
 *
 * The registry's newest release (1.9.0-beta, a direct devDependency pinned exactly) takes
 * templates from files only, so each template is written to a scratch file first. aws-cdk-lib
 * bundles a newer build (1.14.0) for its own use; it is not a dependency we may import.
 * The CEL engine, not the Rego one: the package documents both as giving identical diagnostics,
 * and here the CEL engine started in 2.5 s where the Rego one took 19 s (both under load).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CelEngine, type StandardDiagnostic, TemplateFile } from '@aws/cloudformation-validate';

/** Which tool wrote the template: osls (`serverless package`) or the CDK app. */
export type TemplateSource = 'serverless' | 'cdk';

export interface Finding {
  /** The name the template was handed in under. */
  readonly template: string;
  readonly ruleId: string;
  readonly severity: StandardDiagnostic['severity'];
  readonly logicalId?: string;
  readonly resourceType?: string;
  readonly propertyPath?: string;
  readonly message: string;
}

export interface AcceptedWarning {
  readonly ruleId: string;
  readonly source: TemplateSource;
  /** The resources it is accepted on. */
  readonly resourceType: string;
  readonly logicalId: RegExp;
  /** What the warning says, so a different complaint under the same rule id still fails. */
  readonly message: RegExp;
  readonly reason: string;
}

/** Every warning the project's templates are known to raise, and why each is fine. */
export const ACCEPTED_WARNINGS: readonly AcceptedWarning[] = [
  {
    ruleId: 'W3005',
    source: 'serverless',
    resourceType: 'AWS::Lambda::Function',
    logicalId: /^(Api|Process)LambdaFunction$/,
    message:
      /^'(Api|Process)Role' dependency already enforced by a 'GetAtt' at 'Properties\.Role'$/,
    reason:
      'osls adds DependsOn on the role it also names by GetAtt; redundant, and the order it asks for is right.',
  },
  {
    ruleId: 'W3005',
    source: 'serverless',
    resourceType: 'AWS::ApiGatewayV2::Route',
    logicalId: /^HttpApiRoute/,
    message: /^'HttpApiIntegrationApi' dependency already enforced by a 'Ref'/,
    reason: 'osls adds DependsOn on the integration each route also names by Ref; redundant.',
  },
  {
    ruleId: 'W3005',
    source: 'serverless',
    resourceType: 'AWS::ApiGatewayV2::Stage',
    logicalId: /^HttpApiStage$/,
    message: /^'HttpApiLogGroup' dependency already enforced by a 'GetAtt'/,
    reason:
      'osls adds DependsOn on the access-log group (provider.logs.httpApi) the stage also names by GetAtt; redundant.',
  },
  {
    ruleId: 'W3005',
    source: 'serverless',
    resourceType: 'AWS::Lambda::Alias',
    logicalId: /^ApiProvConcLambdaAlias$/,
    message: /^'ApiLambdaFunction' dependency already enforced by a 'Ref'/,
    reason:
      'With provisioned concurrency osls adds an alias that DependsOn the function it also names by Ref; redundant.',
  },
  {
    ruleId: 'W3011',
    source: 'serverless',
    resourceType: 'AWS::Lambda::Version',
    logicalId: /^(Api|Process)LambdaVersion/,
    message: /UpdateReplacePolicy/,
    reason:
      'osls retains published versions (DeletionPolicy Retain) so aliases keep working; a version is never replaced in place, so UpdateReplacePolicy would change nothing.',
  },
  {
    ruleId: 'W9002',
    source: 'serverless',
    resourceType: 'AWS::Lambda::Permission',
    logicalId: /^ProcessS3InvokePermission$/,
    message: /hardcoded ARN/,
    reason:
      "The bucket's ARN built with !Sub from its fixed name: the bucket waits for this permission (S3 checks it when the notification is set), so a GetAtt of the bucket would be a cycle.",
  },
  {
    ruleId: 'W3005',
    source: 'cdk',
    resourceType: 'AWS::Lambda::Function',
    logicalId: /^(Api|Queue)[0-9A-F]{8}$/,
    message:
      /^'(Api|Queue)Role[0-9A-F]{8}' dependency already enforced by a 'GetAtt' at 'Properties\.Role'$/,
    reason:
      "aws-cdk-lib makes a function depend on its role (and the role's policy) so permissions exist before it is invoked; the role part is redundant.",
  },
];

/** The findings that count: errors, and warnings (INFO and DEBUG are advice, not problems). */
function counts(diagnostic: StandardDiagnostic): boolean {
  return ['WARN', 'ERROR', 'FATAL'].includes(diagnostic.severity);
}

/**
 * Validates each template with one engine (starting one takes seconds: hand in every template
 * at once) and returns the errors and warnings.
 *
 * @example
 * ```ts
 * const findings = validateTemplates({ fargate: synthesized.template('fargate') });
 * findings.filter((f) => f.severity === 'ERROR'); // []
 * ```
 */
export function validateTemplates(templates: Readonly<Record<string, unknown>>): Finding[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'cartoon-cfn-validate-'));
  const engine = new CelEngine();
  try {
    return Object.entries(templates).flatMap(([name, template], index) => {
      const file = path.join(dir, `${index}.json`);
      writeFileSync(file, JSON.stringify(template));
      return engine
        .validateStandard(new TemplateFile(file))
        .diagnostics.filter(counts)
        .map((d) => ({
          template: name,
          ruleId: d.ruleId,
          severity: d.severity,
          message: d.message,
          ...(d.entity?.logicalId === undefined ? {} : { logicalId: d.entity.logicalId }),
          ...(d.entity?.resourceType === undefined ? {} : { resourceType: d.entity.resourceType }),
          ...(d.propertyPath === undefined ? {} : { propertyPath: d.propertyPath }),
        }));
    });
  } finally {
    engine.free();
    rmSync(dir, { recursive: true, force: true });
  }
}

function accepts(accepted: AcceptedWarning, finding: Finding): boolean {
  return (
    finding.severity === 'WARN' &&
    finding.ruleId === accepted.ruleId &&
    finding.resourceType === accepted.resourceType &&
    accepted.logicalId.test(finding.logicalId ?? '') &&
    accepted.message.test(finding.message)
  );
}

export interface Verdict {
  /** Errors, and warnings no accepted entry covers, one line each. */
  readonly unexpected: string[];
  /** Accepted warnings of this source that no template raised. */
  readonly unused: AcceptedWarning[];
}

/**
 * Sorts findings of templates from `source` into what fails and what is accepted.
 *
 * @example
 * ```ts
 * const { unexpected, unused } = judge(validateTemplates(templates), 'cdk');
 * expect(unexpected).toEqual([]);
 * ```
 */
export function judge(
  findings: readonly Finding[],
  source: TemplateSource,
  accepted: readonly AcceptedWarning[] = ACCEPTED_WARNINGS,
): Verdict {
  const mine = accepted.filter((entry) => entry.source === source);
  const unexpected = findings
    .filter((finding) => !mine.some((entry) => accepts(entry, finding)))
    .map(
      (f) =>
        `${f.template}: ${f.severity} ${f.ruleId} ${f.logicalId ?? '-'}` +
        `${f.propertyPath === undefined ? '' : ` (${f.propertyPath})`}: ${f.message}`,
    );
  const unused = mine.filter((entry) => !findings.some((finding) => accepts(entry, finding)));
  return { unexpected, unused };
}
