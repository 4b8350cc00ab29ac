// The eks variant's deploy and destroy plans: cdk, then kubectl in an order the cluster can
// follow, values from the deployed stack's outputs filled in only when they exist, and no
// deploy that kubectl could not finish (a private endpoint, no admin).
import { parse as parseYaml } from 'yaml';
import { parseDeployArgs } from '../../scripts/lib/deploy-args';
import {
  deployPlan,
  destroyPlan,
  shown,
  stackOf,
  teardownPlan,
} from '../../scripts/lib/deploy-plan';
import { KEDA_RELEASE_YAML, outputsOf, resolveArgs } from '../../scripts/lib/eks-steps';

const ADMIN = 'arn:aws:iam::123456789012:role/Admin';
const REACHABLE = ['-c', 'eksApiCidrs=203.0.113.7/32', '-c', `eksAdminArn=${ADMIN}`];
const options = { stage: 'dev', region: 'eu-west-1', extra: REACHABLE };
const OUTPUTS = {
  ClusterName: 'cartoon-compute-dev-eks',
  ImageUri: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/cdk-hnb659fds:abc',
  BucketName: 'cartoon-compute-dev-eks-123456789012-eu-west-1',
  QueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q',
};

describe('deploy eks', () => {
  const plan = deployPlan('eks', options);
  const lines = plan.map(shown);

  it('deploys the stack, then applies the pool, KEDA and the manifests in that order', () => {
    expect(lines.slice(0, 3)).toEqual([
      'npm run build:containers',
      `AWS_REGION=eu-west-1 cdk deploy Eks --require-approval never -c stage=dev ${REACHABLE.join(' ')}`,
      'aws eks update-kubeconfig --name <ClusterName> --region eu-west-1 --alias cartoon-compute-dev-eks',
    ]);
    const order = [
      'apply -f -',
      `apply --server-side -f ${KEDA_RELEASE_YAML}`,
      '-n keda wait --for=condition=Available',
      'npm run eks:manifests -- --image <ImageUri> --bucket <BucketName> --queue-url <QueueUrl> --region eu-west-1',
      'apply -f build/eks/',
    ].map((part) => lines.findIndex((line) => line.includes(part)));
    expect(order.every((index) => index > 2)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('runs every kubectl command against its own context, never the current one', () => {
    const kubectl = plan.filter((step) => step.command === 'kubectl');
    expect(kubectl.length).toBeGreaterThanOrEqual(4);
    for (const step of kubectl) {
      expect(step.args.slice(0, 2)).toEqual(['--context', 'cartoon-compute-dev-eks']);
    }
  });

  it('pins KEDA to a release', () => {
    expect(KEDA_RELEASE_YAML).toMatch(
      /^https:\/\/github\.com\/kedacore\/keda\/releases\/download\/v(\d+\.\d+\.\d+)\/keda-\1\.yaml$/,
    );
  });

  it('hands kubectl the arm64 NodePool on stdin, sized from -c eksNodeCpuLimit', () => {
    const sized = deployPlan('eks', {
      ...options,
      extra: [...REACHABLE, '-c', 'eksNodeCpuLimit=8'],
    });
    const pool = parseYaml(sized.find((step) => step.stdin !== undefined)?.stdin ?? '');
    expect(pool).toMatchObject({
      apiVersion: 'karpenter.sh/v1',
      kind: 'NodePool',
      spec: { limits: { cpu: '8' } },
    });
    expect(pool.spec.template.spec.requirements).toContainEqual({
      key: 'kubernetes.io/arch',
      operator: 'In',
      values: ['arm64'],
    });
  });

  it('refuses to start when kubectl could not reach the cluster or act on it, saying what to give', () => {
    expect(() => deployPlan('eks', { ...options, extra: [] })).toThrow(
      /give -c eksApiCidrs=.* and -c eksAdminArn=/,
    );
    expect(() => deployPlan('eks', { ...options, extra: REACHABLE.slice(0, 2) })).toThrow(
      /give -c eksAdminArn=/,
    );
    expect(() =>
      deployPlan('eks', {
        ...options,
        extra: ['--context=eksApiCidrs=0.0.0.0/0', ...REACHABLE.slice(2)],
      }),
    ).toThrow('eksApiCidrs must be');
  });

  it('fills in the stack outputs, and names one that is missing', () => {
    const emit = plan.find((step) => outputsOf(step).includes('ImageUri'));
    if (emit === undefined) throw new Error('no step uses ImageUri');
    expect(resolveArgs(emit, OUTPUTS)).toEqual([
      'run',
      'eks:manifests',
      '--',
      '--image',
      OUTPUTS.ImageUri,
      '--bucket',
      OUTPUTS.BucketName,
      '--queue-url',
      OUTPUTS.QueueUrl,
      '--region',
      'eu-west-1',
    ]);
    const { ImageUri: _left, ...rest } = OUTPUTS;
    expect(() => resolveArgs(emit, rest)).toThrow('the stack has no output ImageUri');
  });
});

describe('destroy eks', () => {
  it('deletes the manifests and waits, then the node pool, before the bucket and the stack go', () => {
    const lines = teardownPlan('eks', { ...options, extra: [] }).map(shown);
    expect(lines).toEqual([
      'aws eks update-kubeconfig --name <ClusterName> --region eu-west-1 --alias cartoon-compute-dev-eks',
      'npm run eks:manifests -- --image <ImageUri> --bucket <BucketName> --queue-url <QueueUrl> --region eu-west-1',
      'kubectl --context cartoon-compute-dev-eks delete -f build/eks/ --ignore-not-found --wait=true --timeout=10m',
      'kubectl --context cartoon-compute-dev-eks delete nodepool graviton --ignore-not-found --wait=true --timeout=10m',
    ]);
    expect(destroyPlan('eks', { ...options, extra: [] }).map(shown)).toEqual([
      'npm run build:containers',
      'AWS_REGION=eu-west-1 cdk destroy Eks --force -c stage=dev',
    ]);
  });

  it('has nothing to tear down first for the other variants', () => {
    for (const variant of ['lambda-zip', 'lambda-image', 'fargate'] as const) {
      expect(teardownPlan(variant, { ...options, extra: [] })).toEqual([]);
    }
  });
});

describe('the eks variant on the command line', () => {
  it('is a variant deploy and destroy take, with the stack name the app gives it', () => {
    expect(parseDeployArgs(['eks', '--stage', 'prod', ...REACHABLE])).toEqual({
      variant: 'eks',
      stage: 'prod',
      region: undefined,
      dryRun: false,
      extra: REACHABLE,
    });
    expect(stackOf('eks', 'prod')).toBe('cartoon-compute-prod-eks');
    expect(stackOf('fargate', 'prod')).toBe('cartoon-compute-prod-fargate');
  });
});
