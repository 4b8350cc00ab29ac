import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { HTTP_ROUTES, lambdaHttpApi } from '../../infra/lib/lambda-http-api';

describe('lambdaHttpApi', () => {
  const stack = new Stack(new App(), 'Test');
  const handler = new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({})'),
  });
  const stage = lambdaHttpApi(stack, {
    variant: 'lambda-image',
    handler,
    settings: { apiThrottleRate: 50, apiThrottleBurst: 100, logRetentionDays: 14 },
    publicReason: 'A public demo API by design.',
  });
  const template = Template.fromStack(stack);

  test('every route of the contract, each to the handler', () => {
    const keys = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
      (route) => (route as { Properties: { RouteKey: string } }).Properties.RouteKey,
    );
    expect(keys.sort()).toEqual(HTTP_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  test('one $default stage, throttled, with access logs kept for the retention', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 14 });
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      Description: 'cartoon-compute lambda-image',
    });
  });

  test('the API and its access logs keep their construct ids in the scope', () => {
    expect(stage.api.node.path).toBe('Test/HttpApi');
    expect(stack.node.tryFindChild('HttpApiAccessLogs')).toBeDefined();
  });
});
