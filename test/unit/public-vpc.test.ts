import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { publicVpc } from '../../infra/lib/public-vpc';

describe('publicVpc', () => {
  const stack = new Stack(new App(), 'Test');
  const vpc = publicVpc(stack, 'the task logs answer the demo questions.');
  const template = Template.fromStack(stack);

  test('two public subnets, no NAT gateway and no private subnet', () => {
    expect(vpc.publicSubnets).toHaveLength(2);
    expect(vpc.privateSubnets).toHaveLength(0);
    template.resourceCountIs('AWS::EC2::Subnet', 2);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
  });

  test('S3 through a gateway endpoint', () => {
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway' });
  });

  test('created as Vpc in the given scope, so logical ids follow the stack', () => {
    expect(vpc.node.path).toBe('Test/Vpc');
  });
});
