import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { functionRole } from '../../infra/lib/function-role';

describe('functionRole', () => {
  const stack = new Stack(new App(), 'Test');
  const bucket = new s3.Bucket(stack, 'Bucket');
  const { role, logGroup } = functionRole(stack, 'Api', {
    variant: 'lambda-image',
    job: 'api',
    bucket,
    settings: { logRetentionDays: 14 },
  });
  const template = Template.fromStack(stack);

  test('<id>Role and <id>Logs in the scope, so logical ids follow the function id', () => {
    expect(role.node.path).toBe('Test/ApiRole');
    expect(logGroup.node.path).toBe('Test/ApiLogs');
  });

  test('a Lambda role named for the variant and function, with no managed policy', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      Description: 'cartoon-compute lambda-image api function',
      AssumeRolePolicyDocument: {
        Statement: [{ Principal: { Service: 'lambda.amazonaws.com' } }],
      },
    });
    const roles = Object.values(template.findResources('AWS::IAM::Role'));
    expect(
      roles.every(
        (r) => !Object.hasOwn((r as { Properties: object }).Properties, 'ManagedPolicyArns'),
      ),
    ).toBe(true);
  });

  test('may write to its own log group, kept for the retention', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 14 });
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies).toContain('logs:PutLogEvents');
    expect(policies).toContain('s3:');
  });
});
