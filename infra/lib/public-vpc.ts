/**
 * The network every stack with instances or tasks in a VPC uses (fargate, eks,
 * managed-instances), chosen for cost: two AZs of public subnets, no NAT gateway (billed by the
 * hour in every AZ it serves, plus per GB; a public IP costs far less, README "Cost notes"), and
 * a free S3 gateway endpoint that keeps image bytes off the internet path. One definition, so
 * the three variants cannot drift apart in what they are compared on.
 */
import { Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';

/**
 * The VPC, created as `Vpc` in `scope` (its logical ids follow from that id), with cdk-nag's
 * flow-log rule acknowledged for `flowLogsReason`: what answers the stack's demo questions
 * instead of flow logs, which are billed per GB ingested.
 *
 * @example
 * ```ts
 * const vpc = publicVpc(this, 'the ALB and task logs answer the demo questions.');
 * ```
 */
export function publicVpc(scope: Construct, flowLogsReason: string): ec2.Vpc {
  const vpc = new ec2.Vpc(scope, 'Vpc', {
    // Two: an environment-agnostic stack knows no more of a region.
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }],
    gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    // Nothing runs in the default security group; restricting it would deploy a
    // custom-resource Lambda with an AWS managed policy.
    restrictDefaultSecurityGroup: false,
  });
  Validations.of(vpc).acknowledge({
    id: 'AwsSolutions-VPC7',
    reason: `Flow logs are billed per GB ingested; ${flowLogsReason}`,
  });
  return vpc;
}
