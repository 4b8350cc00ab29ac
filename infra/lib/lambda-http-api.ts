/**
 * The HTTP API in front of a Lambda variant's `api` function (lambda-image, managed-instances):
 * the contract's routes, one `$default` stage with stage-wide throttling and access logs. One
 * definition, so the Lambda variants answer the same routes under the same limits as
 * lambda-zip's serverless.yml.
 */
import { Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { serviceLogGroup } from './log-groups';
import type { LambdaImageSettings } from './settings';

/** The HTTP contract's routes (docs: DESIGN.md), the same list lambda-zip's serverless.yml has. */
export const HTTP_ROUTES = [
  { method: apigw.HttpMethod.POST, path: '/cartoon' },
  { method: apigw.HttpMethod.POST, path: '/uploads' },
  { method: apigw.HttpMethod.GET, path: '/cartoons/{id}' },
  { method: apigw.HttpMethod.GET, path: '/styles' },
  { method: apigw.HttpMethod.GET, path: '/health' },
  { method: apigw.HttpMethod.GET, path: '/' },
] as const;

export interface LambdaHttpApiProps {
  /** The variant's name, in the API's description. */
  readonly variant: string;
  /** The function every route invokes. */
  readonly handler: lambda.IFunction;
  readonly settings: Pick<
    LambdaImageSettings,
    'apiThrottleRate' | 'apiThrottleBurst' | 'logRetentionDays'
  >;
  /** Why the API may be public without authorization (cdk-nag's APIG4): what caps it. */
  readonly publicReason: string;
}

/**
 * The API (`HttpApi`) and its access logs (`HttpApiAccessLogs`), created in `scope` under those
 * ids; returns the `$default` stage, whose `url` is the API's address.
 *
 * @example
 * ```ts
 * const stage = lambdaHttpApi(this, {
 *   variant: 'lambda-image',
 *   handler: apiFunction,
 *   settings,
 *   publicReason: 'A public demo API by design; throttling caps it.',
 * });
 * stage.url;
 * ```
 */
export function lambdaHttpApi(scope: Construct, props: LambdaHttpApiProps): apigw.HttpStage {
  const { settings } = props;
  const api = new apigw.HttpApi(scope, 'HttpApi', {
    description: `cartoon-compute ${props.variant}`,
    createDefaultStage: false,
  });
  const accessLogs = serviceLogGroup(scope, 'HttpApiAccessLogs', settings);
  // Stage-wide throttling, as lambda-zip: past it API Gateway answers 429 without invoking.
  const stage = api.addStage('DefaultStage', {
    stageName: '$default',
    autoDeploy: true,
    throttle: { rateLimit: settings.apiThrottleRate, burstLimit: settings.apiThrottleBurst },
    accessLogSettings: { destination: new apigw.LogGroupLogDestination(accessLogs) },
  });
  const integration = new HttpLambdaIntegration('Api', props.handler);
  for (const route of HTTP_ROUTES) {
    api.addRoutes({ path: route.path, methods: [route.method], integration });
  }
  // No per-client rate limit here: HTTP APIs cannot take an AWS WAF web ACL (README,
  // "Per-client limits"); stage throttling and the variant's own ceiling cap the total.
  Validations.of(api).acknowledge({ id: 'AwsSolutions-APIG4', reason: props.publicReason });
  return stage;
}
