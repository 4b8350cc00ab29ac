// The Lambda Managed Instances parts of a template, in the shapes aws-cdk-lib's CapacityProvider
// L2 writes (addFunction sets CapacityProviderConfig and FunctionScalingConfig on the function).
import { type Template, topologyFromTemplate } from '../../../local-cloud/topology';

const PROVIDER_ARN = { 'Fn::GetAtt': ['Provider', 'Arn'] };

const TEMPLATE: Template = {
  Resources: {
    Provider: {
      Type: 'AWS::Lambda::CapacityProvider',
      Properties: {
        VpcConfig: { SubnetIds: ['subnet-1'], SecurityGroupIds: ['sg-1'] },
        PermissionsConfig: { CapacityProviderOperatorRoleArn: 'arn:aws:iam::0:role/op' },
        InstanceRequirements: { Architectures: ['arm64'], AllowedInstanceTypes: ['m7g.large'] },
        CapacityProviderScalingConfig: {
          MaxVCpuCount: 12,
          ScalingMode: 'Manual',
          ScalingPolicies: [
            {
              PredefinedMetricType: 'LambdaCapacityProviderAverageCPUUtilization',
              TargetValue: 60,
            },
          ],
        },
      },
    },
    Api: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        FunctionName: 'lmi-api',
        Handler: 'index.handler',
        MemorySize: 4096,
        Timeout: 29,
        CapacityProviderConfig: {
          LambdaManagedInstancesCapacityProviderConfig: {
            CapacityProviderArn: PROVIDER_ARN,
            ExecutionEnvironmentMemoryGiBPerVCpu: 2,
            PerExecutionEnvironmentMaxConcurrency: 4,
          },
        },
        FunctionScalingConfig: { MinExecutionEnvironments: 3, MaxExecutionEnvironments: 6 },
        PublishToLatestPublished: true,
      },
    },
    Worker: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        FunctionName: 'lmi-worker',
        Handler: 'index.handler',
        MemorySize: 2048,
        CapacityProviderConfig: {
          LambdaManagedInstancesCapacityProviderConfig: {
            CapacityProviderArn:
              'arn:aws:lambda:us-east-1:000000000000:capacity-provider:local-Provider',
          },
        },
      },
    },
    WorkerVersion: {
      Type: 'AWS::Lambda::Version',
      Properties: {
        FunctionName: { Ref: 'Worker' },
        FunctionScalingConfig: { MinExecutionEnvironments: 1, MaxExecutionEnvironments: 2 },
      },
    },
    Plain: { Type: 'AWS::Lambda::Function', Properties: { Handler: 'index.handler' } },
    Integration: {
      Type: 'AWS::ApiGatewayV2::Integration',
      Properties: {
        ApiId: { Ref: 'HttpApi' },
        IntegrationUri: {
          'Fn::Join': ['', [{ 'Fn::GetAtt': ['Api', 'Arn'] }, ':$LATEST.PUBLISHED']],
        },
        PayloadFormatVersion: '2.0',
      },
    },
    HttpApi: { Type: 'AWS::ApiGatewayV2::Api', Properties: {} },
    Route: {
      Type: 'AWS::ApiGatewayV2::Route',
      Properties: {
        ApiId: { Ref: 'HttpApi' },
        RouteKey: 'POST /cartoon',
        Target: { 'Fn::Join': ['', ['integrations/', { Ref: 'Integration' }]] },
      },
    },
  },
};

describe('topology: Lambda Managed Instances', () => {
  const topology = topologyFromTemplate('local', TEMPLATE);

  it('reads the capacity provider: architectures, instance types, vCPU ceiling, CPU target', () => {
    expect(topology.capacityProviders).toEqual([
      {
        logicalId: 'Provider',
        arn: 'arn:aws:lambda:us-east-1:000000000000:capacity-provider:local-Provider',
        architectures: ['arm64'],
        allowedInstanceTypes: ['m7g.large'],
        maxVcpuCount: 12,
        scalingMode: 'Manual',
        cpuTargetPercent: 60,
      },
    ]);
  });

  it("reads a function's LMI config and scaling, linked to its provider", () => {
    const api = topology.functions.find((f) => f.logicalId === 'Api');

    expect(api?.managedInstances).toEqual({
      capacityProviderLogicalId: 'Provider',
      capacityProviderArn: 'arn:aws:lambda:us-east-1:000000000000:capacity-provider:local-Provider',
      memoryGiBPerVcpu: 2,
      perEnvironmentMaxConcurrency: 4,
      minEnvironments: 3,
      maxEnvironments: 6,
    });
  });

  it("takes a published version's scaling over the function's, and a literal provider ARN", () => {
    const worker = topology.functions.find((f) => f.logicalId === 'Worker');

    expect(worker?.managedInstances).toEqual({
      capacityProviderLogicalId: 'Provider',
      capacityProviderArn: 'arn:aws:lambda:us-east-1:000000000000:capacity-provider:local-Provider',
      minEnvironments: 1,
      maxEnvironments: 2,
    });
  });

  it('leaves other functions on demand, and routes a qualified ARN to its function', () => {
    expect(
      topology.functions.find((f) => f.logicalId === 'Plain')?.managedInstances,
    ).toBeUndefined();
    expect(topology.httpApis[0]?.routes).toEqual([
      expect.objectContaining({ routeKey: 'POST /cartoon', functionLogicalId: 'Api' }),
    ]);
  });
});
