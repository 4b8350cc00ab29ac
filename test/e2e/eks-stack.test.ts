// Synthesizes the CDK app's eks stack in-process (with the fargate stack beside it, as
// `npm run synth` builds them), with stand-in Docker build contexts, and checks what cdk-nag
// cannot: its two EKS rules test the older aws-eks module's class and answer N/A for an
// aws-eks-v2 cluster, so the endpoint access and control-plane logs are checked here, with the
// node pool's architecture and the Pod Identity scopes. Nothing here needs Docker or AWS.
import { rmSync } from 'node:fs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readEksManifestInput } from '../../infra/eks/manifest-input';
import { buildManifests } from '../../infra/eks/manifests';
import { gravitonNodePool } from '../../infra/lib/eks-node-pool';
import { APP_SERVICE_ACCOUNT, KEDA_SERVICE_ACCOUNT } from '../../infra/lib/eks-service-accounts';
import { CLUSTER_ROLE_POLICIES, NODE_ROLE_POLICIES } from '../../infra/lib/eks-stack';
import { readEksSettings } from '../../infra/lib/settings';
import { scratchDir, stubAssetDirs, synthesize } from '../support/cdk';
import {
  asArray,
  permissionPolicies,
  render,
  resources,
  type Statement,
  type Template,
} from '../support/template';
import {
  ACCEPTED_WARNINGS,
  type AcceptedWarning,
  judge,
  validateTemplates,
} from '../support/template-validation';

const ADMIN = 'arn:aws:iam::123456789012:role/Admin';
const CUSTOM = {
  eksApiCidrs: '203.0.113.7/32,198.51.100.0/28',
  eksAdminArn: ADMIN,
  eksNodeCpuLimit: '8',
  logRetentionDays: '30',
  corsOrigin: 'http://k8s-cartoonc-web-0123456789.eu-west-1.elb.amazonaws.com',
};
/**
 * The validator's warnings on the access entry of `-c eksAdminArn`, accepted here rather than
 * in ACCEPTED_WARNINGS because only a synthesis with that setting raises them (infra.test.ts's
 * syntheses have none, and an accepted warning nobody raises fails there).
 */
const ADMIN_ENTRY_WARNINGS: readonly AcceptedWarning[] = [
  {
    ruleId: 'W9002',
    source: 'cdk',
    resourceType: 'AWS::EKS::AccessEntry',
    logicalId: /^ClusterAdmin[0-9A-F]{8}$/,
    message: /hardcoded ARN/,
    reason:
      'The admin is an IAM principal the deployer names in context; it exists outside the stack, so only its literal ARN can name it.',
  },
  {
    ruleId: 'W9013',
    source: 'cdk',
    resourceType: 'AWS::EKS::AccessEntry',
    logicalId: /^ClusterAdmin[0-9A-F]{8}$/,
    message: /Hardcoded account ID/,
    reason: "The same ARN: its account is the principal's, written by the deployer.",
  },
];
const PRODUCTION = { stage: 'prod', eksApiCidrs: '203.0.113.7/32', eksAdminArn: ADMIN };

interface Found<T> {
  readonly id: string;
  readonly properties: T;
}

function all<T>(template: Template, type: string): Found<T>[] {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => ({ id, properties: (r.Properties ?? {}) as T }));
}

function only<T>(template: Template, type: string): Found<T> {
  const found = all<T>(template, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0] as Found<T>;
}

interface ClusterProperties {
  Name: string;
  Version: string;
  ResourcesVpcConfig: {
    EndpointPrivateAccess: boolean;
    EndpointPublicAccess: boolean;
    PublicAccessCidrs?: string[];
    SubnetIds: unknown[];
  };
  Logging: { ClusterLogging: { EnabledTypes: { Type: string }[] } };
  ComputeConfig: { Enabled: boolean; NodePools: string[]; NodeRoleArn: unknown };
  AccessConfig: { BootstrapClusterCreatorAdminPermissions: boolean };
}

interface RoleProperties {
  AssumeRolePolicyDocument: { Statement: Statement[] };
  ManagedPolicyArns?: unknown[];
}

/** The policies' statements of one role, as comparable strings. */
function statementsOf(template: Template, roleId: string): string[] {
  return permissionPolicies(template)
    .filter(({ owner }) => owner === `\${${roleId}}` || owner === roleId)
    .flatMap(({ statements }) => statements)
    .map((s) =>
      JSON.stringify({
        Effect: s.Effect,
        Action: asArray(s.Action).sort(),
        Resource: resources(s).sort(),
        Condition: s.Condition ?? null,
      }),
    )
    .sort();
}

function managedPolicyNames(role: RoleProperties): string[] {
  return asArray(role.ManagedPolicyArns)
    .map((arn) => /policy\/(.+)$/.exec(render(arn))?.[1] ?? render(arn))
    .sort();
}

describe('the eks stack', () => {
  const stubs = stubAssetDirs();
  const outdirs: string[] = [];
  // Beside the fargate stack, whose image it shares; a production stage alone (fargate's would
  // need a certificate).
  const synth = (
    context?: Record<string, unknown>,
    stacks: ('fargate' | 'eks')[] = ['fargate', 'eks'],
  ) => {
    const outdir = scratchDir();
    outdirs.push(outdir);
    const synthesized = synthesize({
      outdir,
      assetDirs: stubs.dirs,
      stacks,
      ...(context ? { context } : {}),
    });
    const stack = synthesized.cartoon.eks;
    if (stack === undefined) throw new Error('no eks stack');
    return {
      synthesized,
      stack,
      template: synthesized.assembly.getStackArtifact(stack.artifactId).template as Template,
    };
  };
  let byDefault: ReturnType<typeof synth>;
  let custom: ReturnType<typeof synth>;
  let production: ReturnType<typeof synth>;

  beforeAll(() => {
    byDefault = synth();
    custom = synth(CUSTOM);
    production = synth(PRODUCTION, ['eks']);
  }, 240_000);

  afterAll(() => {
    stubs.remove();
    for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
  });

  const cluster = (s = byDefault) => only<ClusterProperties>(s.template, 'AWS::EKS::Cluster');

  describe('the API endpoint (cdk-nag EKS1 sees no aws-eks-v2 cluster)', () => {
    it('is private only by default', () => {
      const vpc = cluster().properties.ResourcesVpcConfig;
      expect(vpc.EndpointPrivateAccess).toBe(true);
      expect(vpc.EndpointPublicAccess).toBe(false);
      expect(vpc.PublicAccessCidrs).toBeUndefined();
    });

    it('is public only for the given CIDRs, private too, when eksApiCidrs names them', () => {
      const vpc = cluster(custom).properties.ResourcesVpcConfig;
      expect(vpc.EndpointPrivateAccess).toBe(true);
      expect(vpc.EndpointPublicAccess).toBe(true);
      expect(vpc.PublicAccessCidrs).toEqual(['203.0.113.7/32', '198.51.100.0/28']);
    });

    it('refuses the whole internet and anything that is not a CIDR, naming the setting', () => {
      for (const eksApiCidrs of ['0.0.0.0/0', '203.0.113.7', '300.1.1.1/32', '*']) {
        expect(() => readEksSettings((key) => ({ eksApiCidrs })[key])).toThrow(
          /context eksApiCidrs must be .* IPv4 CIDRs/,
        );
      }
      expect(() => readEksSettings((key) => ({ eksAdminArn: 'Admin' })[key])).toThrow(
        'context eksAdminArn must match',
      );
    });
  });

  describe('control-plane logs (cdk-nag EKS2 sees no aws-eks-v2 cluster)', () => {
    it('sends every log type', () => {
      const types = cluster().properties.Logging.ClusterLogging.EnabledTypes.map((t) => t.Type);
      expect(types.sort()).toEqual(
        ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'].sort(),
      );
    });

    it('to the group EKS writes to, kept for the stage retention and created before the cluster', () => {
      for (const [s, days] of [
        [byDefault, 14],
        [custom, 30],
      ] as const) {
        const { properties } = cluster(s);
        const group = only<{ LogGroupName: string; RetentionInDays: number }>(
          s.template,
          'AWS::Logs::LogGroup',
        );
        expect(group.properties.LogGroupName).toBe(`/aws/eks/${properties.Name}/cluster`);
        expect(group.properties.RetentionInDays).toBe(days);
        expect(asArray(s.template.Resources[cluster(s).id]?.DependsOn)).toContain(group.id);
      }
    });
  });

  describe('compute', () => {
    it('is Auto Mode with both built-in pools, so the default NodeClass exists', () => {
      const { ComputeConfig, Version } = cluster().properties;
      expect(ComputeConfig.Enabled).toBe(true);
      expect(ComputeConfig.NodePools.sort()).toEqual(['general-purpose', 'system']);
      expect(Version).toBe('1.36');
    });

    it('gives the nodes a role with the two documented policies only', () => {
      const nodeRoleId = /^\$\{(.+)\.Arn\}$/.exec(
        render(cluster().properties.ComputeConfig.NodeRoleArn),
      )?.[1];
      const nodeRole = byDefault.template.Resources[nodeRoleId ?? '']
        ?.Properties as unknown as RoleProperties;
      expect(managedPolicyNames(nodeRole)).toEqual([...NODE_ROLE_POLICIES].sort());
      expect(statementsOf(byDefault.template, nodeRoleId ?? '')).toEqual([]);
    });

    it('uses no other managed policy than the cluster and node roles need', () => {
      const used = all<RoleProperties>(byDefault.template, 'AWS::IAM::Role').flatMap((r) =>
        managedPolicyNames(r.properties),
      );
      expect(used.sort()).toEqual([...CLUSTER_ROLE_POLICIES, ...NODE_ROLE_POLICIES].sort());
    });

    it('launches only arm64 nodes in the Graviton pool, where the pods select arm64', () => {
      const pool = gravitonNodePool({ cpuLimit: 16 });
      const arch = pool.spec.template.spec.requirements.find((r) => r.key === 'kubernetes.io/arch');
      expect(arch).toEqual({ key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] });
      expect(pool.spec.template.spec.nodeClassRef).toEqual({
        group: 'eks.amazonaws.com',
        kind: 'NodeClass',
        name: 'default',
      });
      expect(pool.spec.limits.cpu).toBe('16');
      const manifests = buildManifests(
        readEksManifestInput({
          image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/cdk:abc',
          bucket: 'cartoon-compute-dev-eks-123456789012-eu-west-1',
          queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q',
          region: 'eu-west-1',
        }),
      );
      for (const deployment of [manifests.web, manifests.worker]) {
        const selected = deployment.spec?.template.spec?.nodeSelector?.['kubernetes.io/arch'];
        expect(arch?.values).toContain(selected);
      }
    });

    it('runs the image the fargate stack builds, from the same asset', () => {
      const image = render(byDefault.template.Outputs?.ImageUri?.Value);
      const fargate = byDefault.synthesized.template('fargate');
      const task = only<{ ContainerDefinitions: { Image: unknown }[] }>(
        fargate,
        'AWS::ECS::TaskDefinition',
      );
      const hash = (uri: string) => /:([0-9a-f]{64})$/.exec(uri)?.[1];
      expect(hash(image)).toBeDefined();
      expect(hash(image)).toBe(hash(render(task.properties.ContainerDefinitions[0]?.Image)));
    });
  });

  describe('Pod Identity', () => {
    const associations = (s = byDefault) =>
      all<{ Namespace: string; ServiceAccount: string; RoleArn: unknown; ClusterName: unknown }>(
        s.template,
        'AWS::EKS::PodIdentityAssociation',
      ).map(({ properties }) => ({
        account: `${properties.Namespace}/${properties.ServiceAccount}`,
        role: /^\$\{(.+)\.Arn\}$/.exec(render(properties.RoleArn))?.[1] ?? '',
        cluster: render(properties.ClusterName),
      }));

    it('associates the app’s service account, as the manifests name it, and KEDA’s operator', () => {
      const manifests = buildManifests(
        readEksManifestInput({
          image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/cdk:abc',
          bucket: 'cartoon-compute-dev-eks-123456789012-eu-west-1',
          queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q',
          region: 'eu-west-1',
        }),
      );
      const { namespace, name } = manifests.serviceAccount.metadata ?? {};
      expect(`${namespace}/${name}`).toBe(
        `${APP_SERVICE_ACCOUNT.namespace}/${APP_SERVICE_ACCOUNT.name}`,
      );
      expect(
        associations()
          .map((a) => a.account)
          .sort(),
      ).toEqual(
        [
          `${APP_SERVICE_ACCOUNT.namespace}/${APP_SERVICE_ACCOUNT.name}`,
          `${KEDA_SERVICE_ACCOUNT.namespace}/${KEDA_SERVICE_ACCOUNT.name}`,
        ].sort(),
      );
      for (const a of associations()) expect(a.cluster).toBe(`\${${cluster().id}}`);
    });

    it('lets only EKS Pod Identity assume the roles', () => {
      for (const { role } of associations()) {
        const properties = byDefault.template.Resources[role]?.Properties as unknown as
          | RoleProperties
          | undefined;
        const trust = properties?.AssumeRolePolicyDocument.Statement ?? [];
        expect(trust.length).toBeGreaterThan(0);
        expect(trust.map((s) => JSON.stringify(s.Principal)).sort()).toEqual(
          Array(trust.length).fill(JSON.stringify({ Service: 'pods.eks.amazonaws.com' })),
        );
        expect(trust.flatMap((s) => asArray(s.Action)).sort()).toEqual([
          'sts:AssumeRole',
          'sts:TagSession',
        ]);
      }
    });

    it('gives the app pods exactly what the fargate task role has: its prefixes and its queue', () => {
      const app = associations().find((a) => a.account.startsWith(APP_SERVICE_ACCOUNT.namespace));
      const fargate = byDefault.synthesized.template('fargate');
      const task = only<{ TaskRoleArn: unknown }>(fargate, 'AWS::ECS::TaskDefinition');
      const taskRole = /^\$\{(.+)\.Arn\}$/.exec(render(task.properties.TaskRoleArn))?.[1] ?? '';
      const mine = statementsOf(byDefault.template, app?.role ?? '');
      // Same construct paths (Storage/Bucket, Storage/Queue), so the same logical ids.
      expect(mine.length).toBeGreaterThan(0);
      expect(mine).toEqual(statementsOf(fargate, taskRole));
      expect(mine.join('\n')).not.toMatch(/"\*"/);
    });

    it('lets KEDA’s operator read the upload queue’s attributes and nothing else', () => {
      const keda = associations().find((a) => a.account.startsWith(KEDA_SERVICE_ACCOUNT.namespace));
      const queue = all<{ RedrivePolicy?: unknown }>(byDefault.template, 'AWS::SQS::Queue').find(
        (q) => q.properties.RedrivePolicy !== undefined,
      );
      expect(statementsOf(byDefault.template, keda?.role ?? '')).toEqual([
        JSON.stringify({
          Effect: 'Allow',
          Action: ['sqs:GetQueueAttributes'],
          Resource: [`\${${queue?.id}.Arn}`],
          Condition: null,
        }),
      ]);
    });

    it('makes nobody cluster admin by default, and the named principal when given', () => {
      expect(cluster().properties.AccessConfig.BootstrapClusterCreatorAdminPermissions).toBe(false);
      expect(all(byDefault.template, 'AWS::EKS::AccessEntry')).toEqual([]);
      const entries = all<{ PrincipalArn: string; AccessPolicies: { PolicyArn: string }[] }>(
        custom.template,
        'AWS::EKS::AccessEntry',
      );
      expect(entries.map((e) => e.properties.PrincipalArn)).toEqual([ADMIN]);
      expect(entries[0]?.properties.AccessPolicies.map((p) => render(p.PolicyArn))).toEqual([
        expect.stringMatching(/:cluster-access-policy\/AmazonEKSClusterAdminPolicy$/),
      ]);
    });
  });

  it('installs the metrics server the web HPA reads, as an EKS add-on', () => {
    const addons = all<{ AddonName: string }>(byDefault.template, 'AWS::EKS::Addon');
    expect(addons.map((a) => a.properties.AddonName)).toEqual(['metrics-server']);
  });

  it('has the bucket, queue, dead-letter alarm and outputs the other container variants have', () => {
    const outputs = byDefault.template.Outputs ?? {};
    expect(Object.keys(outputs).sort()).toEqual(
      [
        'Architecture',
        'BucketName',
        'ClusterName',
        'DeadLetterQueueUrl',
        'ImageUri',
        'QueueUrl',
        'Variant',
      ].sort(),
    );
    expect(outputs.Variant?.Value).toBe('eks');
    expect(all(byDefault.template, 'AWS::SQS::Queue')).toHaveLength(2);
    expect(all(byDefault.template, 'AWS::CloudWatch::Alarm')).toHaveLength(1);
    const bucket = only<{ BucketName: unknown }>(byDefault.template, 'AWS::S3::Bucket');
    expect(render(bucket.properties.BucketName)).toMatch(/^cartoon-compute-dev-eks-/);
  });

  it('lets browsers PUT from the ingress origin named in corsOrigin, once, and never from *', () => {
    const origins = (s: ReturnType<typeof synth>) =>
      only<{ CorsConfiguration?: { CorsRules: { AllowedOrigins: string[] }[] } }>(
        s.template,
        'AWS::S3::Bucket',
      ).properties.CorsConfiguration?.CorsRules.flatMap((r) => r.AllowedOrigins);
    expect(origins(custom)).toEqual([CUSTOM.corsOrigin]);
    expect(origins(byDefault)).toEqual(['http://127.0.0.1:8000', 'http://localhost:8000']);
    expect(origins(production)).toBeUndefined();
  });

  it('has no unacknowledged cdk-nag AwsSolutions error, by default or on a production stage', () => {
    for (const s of [byDefault, custom, production]) {
      const errors = new AwsSolutionsChecks()
        .validateScope(s.stack)
        .violations.filter((v) => v.severity === 'error')
        .map(
          (v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
        );
      expect(errors).toEqual([]);
    }
  });

  it("passes AWS's template validator, with only the admin entry's ARN accepted", () => {
    const templates = Object.fromEntries(
      Object.entries({ byDefault, custom, production }).map(([label, s]) => [label, s.template]),
    );
    const { unexpected, unused } = judge(validateTemplates(templates), 'cdk', [
      ...ACCEPTED_WARNINGS,
      ...ADMIN_ENTRY_WARNINGS,
    ]);
    expect(unexpected).toEqual([]);
    expect(unused.filter((entry) => ADMIN_ENTRY_WARNINGS.includes(entry))).toEqual([]);
  }, 120_000);
});
