// The template validator wrapper: AWS's rules find errors and warnings, an accepted warning
// passes only on the resources and wording it was accepted for, and an unused acceptance shows.
import {
  ACCEPTED_WARNINGS,
  type Finding,
  judge,
  validateTemplates,
} from '../support/template-validation';

const ROLE = {
  Type: 'AWS::IAM::Role',
  Properties: {
    AssumeRolePolicyDocument: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'lambda.amazonaws.com' },
          Action: 'sts:AssumeRole',
        },
      ],
    },
  },
};

/** A function that names its role by GetAtt and also DependsOn it, as osls writes it. */
function functionTemplate(functionId: string, roleId: string) {
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Resources: {
      [roleId]: ROLE,
      [functionId]: {
        Type: 'AWS::Lambda::Function',
        DependsOn: [roleId],
        Properties: {
          Runtime: 'nodejs24.x',
          Handler: 'index.handler',
          Role: { 'Fn::GetAtt': [roleId, 'Arn'] },
          Code: { ZipFile: 'exports.handler = async () => 1;' },
        },
      },
    },
  };
}

describe('validateTemplates and judge', () => {
  let findings: Finding[] = [];
  const of = (template: string) => findings.filter((finding) => finding.template === template);

  beforeAll(() => {
    findings = validateTemplates({
      accepted: functionTemplate('ApiLambdaFunction', 'ApiRole'),
      unaccepted: functionTemplate('Thumbnailer', 'ThumbnailerRole'),
      broken: {
        AWSTemplateFormatVersion: '2010-09-09',
        Resources: {
          Queue: { Type: 'AWS::SQS::Queue', Properties: { VisibilityTimeout: 'soon' } },
        },
      },
    });
  }, 120_000);

  it('reports an error for a property of the wrong type, and judge fails it', () => {
    // Schema violations come out as FATAL (F3012), rule violations as ERROR (E...).
    const errors = of('broken').filter((finding) => ['ERROR', 'FATAL'].includes(finding.severity));
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]?.logicalId).toBe('Queue');
    expect(
      judge(of('broken'), 'cdk').unexpected.some((line) =>
        / (ERROR|FATAL) F3012 Queue /.test(line),
      ),
    ).toBe(true);
  });

  it('accepts a redundant DependsOn only on the resources it was accepted for', () => {
    expect(of('accepted').map((finding) => finding.ruleId)).toEqual(['W3005']);
    expect(judge(of('accepted'), 'serverless').unexpected).toEqual([]);
    // The same finding from the other tool, or on another function, is not accepted.
    expect(judge(of('accepted'), 'cdk').unexpected).toHaveLength(1);
    expect(of('unaccepted').map((finding) => finding.ruleId)).toEqual(['W3005']);
    expect(judge(of('unaccepted'), 'serverless').unexpected[0]).toMatch(
      /^unaccepted: WARN W3005 Thumbnailer \(DependsOn\): /,
    );
  });

  it('lists the accepted warnings no template raised', () => {
    const { unused } = judge(of('accepted'), 'serverless');
    const serverless = ACCEPTED_WARNINGS.filter((entry) => entry.source === 'serverless');
    expect(unused).toHaveLength(serverless.length - 1);
    expect(unused.map((entry) => entry.resourceType)).not.toContain('AWS::Lambda::Function');
  });

  it('gives every accepted warning a reason', () => {
    for (const entry of ACCEPTED_WARNINGS) expect(entry.reason.length).toBeGreaterThan(20);
  });
});
