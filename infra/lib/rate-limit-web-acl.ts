/**
 * An AWS WAF web ACL with one rate-based rule: a client IP that sends more than `limit`
 * requests in `windowSeconds` gets 429 with the service's own error body until its rate falls.
 * Stage-wide throttling lets one client take the whole budget; this caps each address.
 *
 * Only a REGIONAL web ACL on an ALB (or a REST API, AppSync, Cognito, ...) here: API Gateway
 * HTTP APIs cannot be associated with AWS WAF at all (AWS WAF developer guide, "Resources that
 * you can protect with AWS WAF", https://docs.aws.amazon.com/waf/latest/developerguide/how-aws-waf-works-resources.html,
 * read 2026-12); the README says what to put in front of them.
 */
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';

export interface RateLimitWebAclProps {
  /** The web ACL's name and the prefix of its CloudWatch metric names. */
  readonly name: string;
  /** Requests from one IP in the window before WAF blocks it (10 to 2,000,000,000). */
  readonly limit: number;
  /** 60, 120, 300 or 600 s. */
  readonly windowSeconds: number;
  /** What the web ACL protects (an ALB's ARN). */
  readonly resourceArn: string;
}

/**
 * The body of WAF's 429, in the shape every error of the HTTP contract has (DESIGN.md). A Block
 * action may answer any supported status with its own headers (any name but content-type, not
 * prefixed as inserted request headers are) and body (AWS WAF developer guide, "Custom
 * responses for Block actions",
 * https://docs.aws.amazon.com/waf/latest/developerguide/customizing-the-response-for-blocked-requests.html,
 * read 2026-12).
 */
export const RATE_LIMITED_BODY = JSON.stringify({
  error: {
    code: 'RATE_LIMITED',
    message: 'Too many requests from your address: wait a few minutes and try again.',
  },
});

/**
 * The web ACL and its association with `resourceArn`.
 *
 * @example
 * ```ts
 * rateLimitedWebAcl(this, 'WebAcl', { name: 'cartoon-compute-prod-fargate', limit: 1000, windowSeconds: 300, resourceArn: alb.loadBalancerArn });
 * ```
 */
export function rateLimitedWebAcl(
  scope: Construct,
  id: string,
  props: RateLimitWebAclProps,
): wafv2.CfnWebACL {
  const acl = new wafv2.CfnWebACL(scope, id, {
    name: props.name,
    description: `At most ${props.limit} requests per ${props.windowSeconds} s from one client IP`,
    scope: 'REGIONAL',
    defaultAction: { allow: {} },
    customResponseBodies: {
      'rate-limited': { contentType: 'APPLICATION_JSON', content: RATE_LIMITED_BODY },
    },
    rules: [
      {
        name: 'rate-per-client-ip',
        priority: 0,
        statement: {
          rateBasedStatement: {
            aggregateKeyType: 'IP',
            limit: props.limit,
            evaluationWindowSec: props.windowSeconds,
          },
        },
        action: {
          block: {
            customResponse: {
              responseCode: 429,
              customResponseBodyKey: 'rate-limited',
              responseHeaders: [{ name: 'retry-after', value: String(props.windowSeconds) }],
            },
          },
        },
        visibilityConfig: {
          cloudWatchMetricsEnabled: true,
          metricName: `${props.name}-rate-per-client-ip`,
          sampledRequestsEnabled: true,
        },
      },
    ],
    visibilityConfig: {
      cloudWatchMetricsEnabled: true,
      metricName: props.name,
      sampledRequestsEnabled: true,
    },
  });
  new wafv2.CfnWebACLAssociation(scope, `${id}Association`, {
    resourceArn: props.resourceArn,
    webAclArn: acl.attrArn,
  });
  return acl;
}
