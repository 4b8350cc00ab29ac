/**
 * fargate: the service as a long-running container behind an Application Load Balancer. The
 * same container answers the HTTP contract and long-polls the bucket's upload queue itself.
 *
 * Network, chosen for cost: tasks run in public subnets with a public IP and no NAT gateway. A
 * NAT gateway is billed by the hour in every AZ it serves, plus per GB, only so tasks can reach
 * ECR, CloudWatch Logs and SQS; a public IP per task costs far less (README, "Cost notes").
 * Inbound traffic still reaches a task only from the load balancer's security group. S3 goes
 * through a gateway endpoint, which is free and keeps image bytes off the internet path.
 *
 * The load balancer's edges: HTTPS with HTTP redirected to it (plain HTTP only on a development
 * stage), an AWS WAF web ACL that answers 429 to a client IP past its rate, and on every other
 * stage deletion protection and access logs to a private, encrypted, TLS-only bucket.
 */
import { Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { dockerContext } from './assets';
import { grantBucketJobs } from './bucket-access';
import { serviceLogGroup } from './log-groups';
import { publicVpc } from './public-vpc';
import { rateLimitedWebAcl } from './rate-limit-web-acl';
import { serviceEnvironment } from './service-environment';
import { ServiceStorage } from './service-storage';
import type { FargateSettings } from './settings';

/** The port the container listens on (its `PORT`). */
const CONTAINER_PORT = 8080;
const HEALTH_CHECK_PATH = '/health';
/**
 * Fargate Spot gives a task two minutes' notice (SIGTERM) before it stops it; 120 s is also
 * ECS's maximum stop timeout on Fargate, the time between SIGTERM and SIGKILL.
 */
const STOP_TIMEOUT_SECONDS = 120;
/**
 * The task definition's health check, as the image's HEALTHCHECK (container/fargate/Dockerfile):
 * the slim image has node but no curl. ECS allows intervals of 5 to 300 s, timeouts of 2 to
 * 60 s, 1 to 10 retries and a start period of 0 to 300 s (Amazon ECS API reference,
 * HealthCheck, https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html,
 * read 2026-12).
 */
const CONTAINER_HEALTH_CHECK = [
  'CMD',
  'node',
  '-e',
  `fetch('http://127.0.0.1:${CONTAINER_PORT}${HEALTH_CHECK_PATH}').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
];

export interface FargateStackProps extends StackProps {
  readonly settings: FargateSettings;
  /** Docker build contexts: arm64 (default) and x86_64 (Fargate Spot). */
  readonly assetDirs: { readonly arm64: string; readonly x86_64: string };
  readonly version: string;
}

export class FargateStack extends Stack {
  readonly storage: ServiceStorage;
  readonly service: ecs.FargateService;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  /** Where the load balancer writes its access logs; none on a development stage. */
  readonly accessLogs?: s3.Bucket;

  /**
   * @example
   * ```ts
   * new FargateStack(app, 'Fargate', {
   *   settings: readFargateSettings((key) => app.node.tryGetContext(key)),
   *   assetDirs: { arm64: DEFAULT_ASSET_DIRS.fargate, x86_64: DEFAULT_ASSET_DIRS.fargateX86 },
   *   version: '0.1.0',
   * });
   * ```
   */
  constructor(scope: Construct, id: string, props: FargateStackProps) {
    super(scope, id, props);
    const { settings } = props;
    // Fargate Spot runs x86_64 tasks only (Amazon ECS developer guide, "Fargate capacity
    // providers"): choosing Spot chooses the x86_64 image.
    const architecture = settings.spot ? ecs.CpuArchitecture.X86_64 : ecs.CpuArchitecture.ARM64;
    const image = ecs.ContainerImage.fromAsset(
      dockerContext(settings.spot ? props.assetDirs.x86_64 : props.assetDirs.arm64),
      { platform: settings.spot ? Platform.LINUX_AMD64 : Platform.LINUX_ARM64 },
    );

    this.storage = new ServiceStorage(this, 'Storage', {
      variant: 'fargate',
      settings,
      visibilityTimeout: Duration.seconds(settings.queueVisibilitySeconds),
    });
    const { bucket, queue } = this.storage;

    const vpc = publicVpc(this, 'the ALB and task logs answer the demo questions.');

    const cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      enableFargateCapacityProviders: true,
    });
    Validations.of(cluster).acknowledge({
      id: 'AwsSolutions-ECS4',
      reason:
        'Container Insights bills per metric; the load tests read the free ECS and ALB metrics.',
    });

    const logGroup = serviceLogGroup(this, 'TaskLogs', settings);
    const taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: settings.cpu,
      memoryLimitMiB: settings.memory,
      runtimePlatform: {
        cpuArchitecture: architecture,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
      // The root filesystem is read-only; /tmp is the one writable place (task ephemeral
      // storage, gone with the task), for libvips' and Node's temporary files.
      volumes: [{ name: 'tmp' }],
    });
    const container = taskDefinition.addContainer('app', {
      image,
      readonlyRootFilesystem: true,
      healthCheck: {
        command: CONTAINER_HEALTH_CHECK,
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(30),
      },
      portMappings: [{ containerPort: CONTAINER_PORT }],
      environment: {
        ...serviceEnvironment({
          variant: 'fargate',
          bucket,
          settings,
          version: props.version,
          queueVisibilitySeconds: settings.queueVisibilitySeconds,
        }),
        PORT: String(CONTAINER_PORT),
        // The server's own deadline after SIGTERM, 10 s inside ECS's, so unfinished messages
        // go back to the queue before SIGKILL (it would otherwise keep its default, 25 s).
        STOP_TIMEOUT_SECONDS: String(STOP_TIMEOUT_SECONDS - 10),
        QUEUE_URL: queue.queueUrl,
        // The worker's receive lasts as long as the queue's own timeout, which the retry window
        // above is derived from (services/fargate/config.ts refuses a window shorter than it).
        QUEUE_VISIBILITY_TIMEOUT_SECONDS: String(settings.queueVisibilitySeconds),
        // Set explicitly (config.ts and the SDK read it), whatever the platform injects.
        AWS_REGION: this.region,
        ...(settings.maxInFlight === undefined
          ? {}
          : { MAX_IN_FLIGHT: String(settings.maxInFlight) }),
      },
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'app' }),
      stopTimeout: Duration.seconds(STOP_TIMEOUT_SECONDS),
    });
    container.addMountPoints({ sourceVolume: 'tmp', containerPath: '/tmp', readOnly: false });
    Validations.of(taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason: 'The variables are names and limits (bucket, queue URL, sizes), no secrets.',
    });
    grantBucketJobs(taskDefinition.taskRole, bucket, ['api', 'process']);
    queue.grantConsumeMessages(taskDefinition.taskRole);
    Validations.of(taskDefinition.obtainExecutionRole()).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken, to pull the image, has no resource-level permissions.',
    });

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'Alb', {
      vpc,
      internetFacing: true,
      // Requests with malformed headers are dropped at the door, not passed to the app.
      dropInvalidHeaderFields: true,
      // A stage people use cannot lose its address to a stray `cdk destroy` or replacement.
      deletionProtection: !settings.development,
    });
    if (settings.development) {
      Validations.of(this.loadBalancer).acknowledge({
        id: 'AwsSolutions-ELB2',
        reason: `Stage ${settings.stage} is a development stage: no access-log bucket to pay for; every other stage has one.`,
      });
    } else {
      this.accessLogs = this.accessLogBucket(settings);
      this.loadBalancer.logAccessLogs(this.accessLogs, 'alb');
    }
    rateLimitedWebAcl(this, 'WebAcl', {
      name: `cartoon-compute-${settings.stage}-fargate`,
      limit: settings.wafRateLimit,
      windowSeconds: settings.wafRateWindowSeconds,
      resourceArn: this.loadBalancer.loadBalancerArn,
    });

    const serviceSecurityGroup = new ec2.SecurityGroup(this, 'ServiceSecurityGroup', {
      vpc,
      description: 'cartoon-compute fargate tasks: the container port, from the ALB only',
    });
    this.service = new ecs.FargateService(this, 'Service', {
      cluster,
      taskDefinition,
      desiredCount: settings.minTasks,
      assignPublicIp: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroups: [serviceSecurityGroup],
      circuitBreaker: { enable: true, rollback: true },
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      healthCheckGracePeriod: Duration.seconds(60),
      ...(settings.spot
        ? {
            capacityProviderStrategies: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
          }
        : {}),
    });

    const targetGroup = new elbv2.ApplicationTargetGroup(this, 'Targets', {
      vpc,
      port: CONTAINER_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.IP,
      targets: [this.service],
      healthCheck: {
        path: HEALTH_CHECK_PATH,
        healthyHttpCodes: '200',
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
      // A request takes at most about 30 s; the default 300 s only slows deployments.
      deregistrationDelay: Duration.seconds(35),
    });
    this.listeners(settings, targetGroup);
    serviceSecurityGroup.connections.allowFrom(
      this.loadBalancer,
      ec2.Port.tcp(CONTAINER_PORT),
      'from the load balancer',
    );

    const scaling = this.service.autoScaleTaskCount({
      minCapacity: settings.minTasks,
      maxCapacity: settings.maxTasks,
    });
    scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: settings.cpuTargetPercent,
      scaleOutCooldown: Duration.seconds(60),
      scaleInCooldown: Duration.seconds(180),
    });

    const scheme = settings.certificateArn === undefined ? 'http' : 'https';
    // The page GET / serves uploads big photos from this origin (a custom domain on the
    // certificate is added with -c corsOrigin=https://that.domain).
    this.storage.allowBrowsersFrom(`${scheme}://${this.loadBalancer.loadBalancerDnsName}`);
    this.storage.addOutputs(
      {
        url: `${scheme}://${this.loadBalancer.loadBalancerDnsName}/`,
        description: 'The load balancer',
      },
      { Architecture: settings.spot ? 'x86_64' : 'arm64' },
    );
  }

  /**
   * The load balancer's access logs: private, SSE-S3 (the only encryption ALB access logs
   * support: Elastic Load Balancing user guide, "Access logs for your Application Load
   * Balancer", https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html,
   * read 2026-12), TLS only, kept as long as the stage's logs and when the stack is destroyed.
   */
  private accessLogBucket(settings: FargateSettings): s3.Bucket {
    const bucket = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      lifecycleRules: [{ id: 'expire-logs', expiration: Duration.days(settings.logRetentionDays) }],
      // Evidence outlives the stack: `cdk destroy` leaves this bucket behind.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket; logging its own access would need yet another.',
    });
    return bucket;
  }

  /** HTTP on 80; with a certificate, HTTPS on 443 and HTTP redirected to it. */
  private listeners(settings: FargateSettings, targetGroup: elbv2.ApplicationTargetGroup): void {
    const publicDoor = 'A public demo service: the load balancer takes requests from anywhere.';
    if (settings.certificateArn === undefined) {
      this.loadBalancer.addListener('Http', {
        port: 80,
        protocol: elbv2.ApplicationProtocol.HTTP,
        defaultTargetGroups: [targetGroup],
      });
    } else {
      this.loadBalancer.addListener('Https', {
        port: 443,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: [
          acm.Certificate.fromCertificateArn(this, 'Certificate', settings.certificateArn),
        ],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        defaultTargetGroups: [targetGroup],
      });
      this.loadBalancer.addRedirect({ sourcePort: 80, targetPort: 443 });
    }
    Validations.of(this.loadBalancer).acknowledge({ id: 'AwsSolutions-EC23', reason: publicDoor });
  }
}
