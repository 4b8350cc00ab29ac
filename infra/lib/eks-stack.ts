/**
 * eks: the fargate container on Amazon EKS Auto Mode, on Graviton. The stack holds what AWS
 * owns: the cluster (Auto Mode runs the nodes, the load balancer controller and the Pod
 * Identity agent), the bucket with its upload queue, dead-letter queue and alarm (as the other
 * container variants have them), the image, the Pod Identity roles, and the metrics server the
 * web pods' HPA reads. What Kubernetes owns (the Graviton NodePool, KEDA, the app's objects)
 * `npm run deploy:eks` applies with kubectl: no kubectl provider Lambda in the stack.
 *
 * Network, chosen for cost as in the fargate stack: public subnets with public IPs on the
 * nodes and no NAT gateway (Auto Mode gives a node a public IP when its subnet does), an S3
 * gateway endpoint. The cluster's security group admits nothing from outside the cluster;
 * the ALB that the Ingress creates opens only its own listener.
 *
 * The API endpoint is private; with `-c eksApiCidrs=<cidr>` it is public too, for those
 * addresses only, because the deploy script runs kubectl from outside the VPC. Control-plane
 * logs of every type go to a log group kept for the stage's retention and removed with the
 * stack (EKS would otherwise create one that never expires). cdk-nag's EKS rules do not see
 * aws-eks-v2 clusters (they test the older module's class): test/e2e/eks-stack.test.ts checks
 * the endpoint and logs itself.
 */
import {
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { grantBucketJobs } from './bucket-access';
import { APP_SERVICE_ACCOUNT, KEDA_SERVICE_ACCOUNT, PodIdentity } from './eks-pod-identity';
import { publicVpc } from './public-vpc';
import { fargateImageAsset } from './service-image';
import { ServiceStorage } from './service-storage';
import type { EksSettings } from './settings';

/**
 * Kubernetes 1.36: KEDA 2.21 is tested with 1.34 to 1.36 (keda.sh/docs/2.21/deploy, read
 * 2026-12), and the manifests are validated against kubernetes-models' 1.36 schemas.
 */
export const KUBERNETES_VERSION = eks.KubernetesVersion.V1_36;

/** Every control-plane log type EKS has. */
export const CONTROL_PLANE_LOG_TYPES: readonly eks.ClusterLoggingTypes[] = [
  eks.ClusterLoggingTypes.API,
  eks.ClusterLoggingTypes.AUDIT,
  eks.ClusterLoggingTypes.AUTHENTICATOR,
  eks.ClusterLoggingTypes.CONTROLLER_MANAGER,
  eks.ClusterLoggingTypes.SCHEDULER,
];

/**
 * The managed policies an Auto Mode node role needs, and no more (EKS User Guide, "Amazon EKS
 * Auto Mode node IAM role", https://docs.aws.amazon.com/eks/latest/userguide/auto-create-node-role.html,
 * read 2026-12); aws-eks-v2's own default gives the broader AmazonEKSWorkerNodePolicy and
 * AmazonEC2ContainerRegistryReadOnly.
 */
export const NODE_ROLE_POLICIES = [
  'AmazonEKSWorkerNodeMinimalPolicy',
  'AmazonEC2ContainerRegistryPullOnly',
] as const;

/**
 * The API endpoint: private, and public for `cidrs` only when there are any. aws-eks-v2
 * refuses a private or CIDR-restricted endpoint in a VPC without private subnets, a rule for
 * its kubectl provider Lambda, which would run in them; this stack has no provider and its
 * nodes reach the private endpoint from their public subnets inside the VPC, so the access is
 * set on the AWS::EKS::Cluster resource itself.
 */
function endpointAccess(cluster: eks.Cluster, cidrs: readonly string[]): void {
  const resource = cluster.node.findChild('Resource') as eks.CfnCluster;
  resource.addPropertyOverride('ResourcesVpcConfig.EndpointPrivateAccess', true);
  resource.addPropertyOverride('ResourcesVpcConfig.EndpointPublicAccess', cidrs.length > 0);
  if (cidrs.length > 0) {
    resource.addPropertyOverride('ResourcesVpcConfig.PublicAccessCidrs', [...cidrs]);
  } else {
    resource.addDeletionOverride('Properties.ResourcesVpcConfig.PublicAccessCidrs');
  }
}

/**
 * What aws-eks-v2 attaches to an Auto Mode cluster's role: the policies EKS documents for it
 * (EKS User Guide, "Amazon EKS cluster IAM role", Auto Mode section,
 * https://docs.aws.amazon.com/eks/latest/userguide/cluster-iam-role.html, read 2026-12).
 */
export const CLUSTER_ROLE_POLICIES = [
  'AmazonEKSClusterPolicy',
  'AmazonEKSComputePolicy',
  'AmazonEKSBlockStoragePolicy',
  'AmazonEKSLoadBalancingPolicy',
  'AmazonEKSNetworkingPolicy',
] as const;

/** cdk-nag's IAM4 acknowledged for each named AWS managed policy, one by one. */
function acknowledgeManagedPolicies(
  role: iam.IRole,
  policies: readonly string[],
  reason: string,
): void {
  for (const policy of policies) {
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${policy}]`,
      reason: `${policy}: ${reason}`,
    });
  }
}

export interface EksStackProps extends StackProps {
  readonly settings: EksSettings;
  /** The fargate image's build context (arm64), shared with the fargate stack. */
  readonly assetDir: string;
  readonly version: string;
}

export class EksStack extends Stack {
  readonly storage: ServiceStorage;
  readonly cluster: eks.Cluster;
  readonly appIdentity: PodIdentity;
  readonly kedaIdentity: PodIdentity;

  /**
   * @example
   * ```ts
   * new EksStack(app, 'Eks', {
   *   settings: readEksSettings((key) => app.node.tryGetContext(key)),
   *   assetDir: DEFAULT_ASSET_DIRS.fargate,
   *   version: '0.1.0',
   * });
   * ```
   */
  constructor(scope: Construct, id: string, props: EksStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const image = fargateImageAsset(this, 'Image', props.assetDir);

    // The ALB's name is made by Auto Mode when the Ingress is applied, so the page's origin is
    // not known here: `-c corsOrigin=http://<ingress hostname>` names it (deploy:eks prints
    // the hostname). The first origin stands in as the front door, the rest are the others.
    const [frontDoor, ...otherOrigins] = settings.corsOrigins;
    this.storage = new ServiceStorage(this, 'Storage', {
      variant: 'eks',
      settings: { ...settings, corsOrigins: otherOrigins },
      visibilityTimeout: Duration.seconds(settings.queueVisibilitySeconds),
    });
    if (frontDoor !== undefined) this.storage.allowBrowsersFrom(frontDoor);
    const { bucket, queue } = this.storage;

    const vpc = publicVpc(this, 'the control-plane and pod logs answer the demo questions.');

    const clusterName = `cartoon-compute-${settings.stage}-eks`;
    // EKS writes to /aws/eks/<cluster>/cluster and creates it without expiry if it is missing
    // (EKS User Guide, "Send control plane logs to CloudWatch Logs",
    // https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html, read 2026-12).
    const controlPlaneLogs = new logs.LogGroup(this, 'ControlPlaneLogs', {
      logGroupName: `/aws/eks/${clusterName}/cluster`,
      retention: settings.logRetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const nodeRole = new iam.Role(this, 'NodeRole', {
      description: 'cartoon-compute eks: the Auto Mode nodes (join the cluster, pull images)',
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      managedPolicies: NODE_ROLE_POLICIES.map((name) =>
        iam.ManagedPolicy.fromAwsManagedPolicyName(name),
      ),
    });
    acknowledgeManagedPolicies(
      nodeRole,
      NODE_ROLE_POLICIES,
      'A policy EKS documents for an Auto Mode node role, kept current by AWS.',
    );

    this.cluster = new eks.Cluster(this, 'Cluster', {
      clusterName,
      version: KUBERNETES_VERSION,
      vpc,
      vpcSubnets: [{ subnetType: ec2.SubnetType.PUBLIC }],
      // Set on the CloudFormation resource below: see endpointAccess().
      endpointAccess: eks.EndpointAccess.PUBLIC_AND_PRIVATE,
      clusterLogging: [...CONTROL_PLANE_LOG_TYPES],
      defaultCapacityType: eks.DefaultCapacityType.AUTOMODE,
      // Both built-in pools: EKS provides the `default` NodeClass, which the Graviton pool
      // uses, only while one is enabled, and add-on pods find a node before that pool exists.
      compute: { nodePools: ['system', 'general-purpose'], nodeRole },
      // The creator would be CloudFormation's execution role, which never runs kubectl.
      bootstrapClusterCreatorAdminPermissions: false,
    });
    this.cluster.node.addDependency(controlPlaneLogs);
    endpointAccess(this.cluster, settings.eksApiCidrs);
    acknowledgeManagedPolicies(
      this.cluster.role,
      CLUSTER_ROLE_POLICIES,
      'A policy EKS documents for the cluster role of an Auto Mode cluster (aws-eks-v2 attaches it).',
    );

    if (settings.eksAdminArn !== undefined) {
      this.cluster.grantAccess('Admin', settings.eksAdminArn, [
        eks.AccessPolicy.fromAccessPolicyName('AmazonEKSClusterAdminPolicy', {
          accessScopeType: eks.AccessScopeType.CLUSTER,
        }),
      ]);
    }

    // The HPA of the web pods reads CPU from metrics.k8s.io, which EKS does not serve until
    // the Metrics Server is installed (EKS User Guide, "View resource usage with the Kubernetes
    // Metrics Server", https://docs.aws.amazon.com/eks/latest/userguide/metrics-server.html,
    // read 2026-12); the community add-on `metrics-server` installs it without kubectl.
    new eks.Addon(this, 'MetricsServer', { cluster: this.cluster, addonName: 'metrics-server' });

    // The app's pods: exactly what the fargate task role may do.
    this.appIdentity = new PodIdentity(this, 'AppIdentity', {
      cluster: this.cluster,
      serviceAccount: APP_SERVICE_ACCOUNT,
      description: 'the app pods (presign uploads, read and write results, consume the queue)',
    });
    grantBucketJobs(this.appIdentity.role, bucket, ['api', 'process']);
    queue.grantConsumeMessages(this.appIdentity.role);

    // KEDA's operator only reads the queue's depth.
    this.kedaIdentity = new PodIdentity(this, 'KedaIdentity', {
      cluster: this.cluster,
      serviceAccount: KEDA_SERVICE_ACCOUNT,
      description: "KEDA's operator (reads the upload queue's depth)",
    });
    this.kedaIdentity.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadQueueDepth',
        actions: ['sqs:GetQueueAttributes'],
        resources: [queue.queueArn],
      }),
    );

    const stack = Stack.of(this);
    new CfnOutput(stack, 'ClusterName', { value: this.cluster.clusterName });
    new CfnOutput(stack, 'ImageUri', { value: image.imageUri });
    new CfnOutput(stack, 'BucketName', { value: bucket.bucketName });
    new CfnOutput(stack, 'QueueUrl', { value: queue.queueUrl });
    new CfnOutput(stack, 'DeadLetterQueueUrl', { value: this.storage.deadLetterQueue.queueUrl });
    new CfnOutput(stack, 'Variant', { value: 'eks' });
    new CfnOutput(stack, 'Architecture', { value: 'arm64' });
  }
}
