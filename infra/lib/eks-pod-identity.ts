/**
 * EKS Pod Identity for the eks variant: an IAM role that only the EKS Pod Identity service may
 * assume, and the association that hands it to one Kubernetes service account. Plain
 * CloudFormation (`AWS::EKS::PodIdentityAssociation`), so no kubectl provider is needed; the
 * agent that serves the credentials is built into Auto Mode, and the service account needs no
 * annotation.
 *
 * Sources (read 2026-12): Amazon EKS User Guide, "Learn how EKS Pod Identity grants pods
 * access to AWS services" (https://docs.aws.amazon.com/eks/latest/userguide/pod-identities.html)
 * and "Set up the Amazon EKS Pod Identity Agent"
 * (https://docs.aws.amazon.com/eks/latest/userguide/pod-id-agent-setup.html: not to be
 * installed on Auto Mode clusters); the trust policy's principal `pods.eks.amazonaws.com` and
 * actions `sts:AssumeRole` and `sts:TagSession` from pod-id-role.html.
 */
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export { APP_SERVICE_ACCOUNT, KEDA_SERVICE_ACCOUNT } from './eks-service-accounts';

export interface PodIdentityProps {
  readonly cluster: eks.ICluster;
  readonly serviceAccount: { readonly namespace: string; readonly name: string };
  readonly description: string;
}

/** A role for one service account of one cluster, and its association. */
export class PodIdentity extends Construct {
  readonly role: iam.Role;
  readonly association: eks.CfnPodIdentityAssociation;

  /**
   * @example
   * ```ts
   * const app = new PodIdentity(this, 'AppIdentity', { cluster, serviceAccount: APP_SERVICE_ACCOUNT, description: 'the app pods' });
   * queue.grantConsumeMessages(app.role);
   * ```
   */
  constructor(scope: Construct, id: string, props: PodIdentityProps) {
    super(scope, id);
    this.role = new iam.Role(this, 'Role', {
      description: `cartoon-compute eks: ${props.description}`,
      assumedBy: new iam.ServicePrincipal('pods.eks.amazonaws.com'),
    });
    // EKS tags the session with the cluster, namespace and service account it serves.
    this.role.assumeRolePolicy?.addStatements(
      new iam.PolicyStatement({
        actions: ['sts:TagSession'],
        principals: [new iam.ServicePrincipal('pods.eks.amazonaws.com')],
      }),
    );
    this.association = new eks.CfnPodIdentityAssociation(this, 'Association', {
      clusterName: props.cluster.clusterName,
      namespace: props.serviceAccount.namespace,
      serviceAccount: props.serviceAccount.name,
      roleArn: this.role.roleArn,
    });
  }
}
