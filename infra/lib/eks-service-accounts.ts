/**
 * The Kubernetes service accounts the eks stack gives AWS credentials to (EKS Pod Identity),
 * in a module of their own with no CDK import, so the deploy scripts can name them cheaply.
 */

/** Where the app's pods run and whom they run as (infra/eks/manifests.ts, default input). */
export const APP_SERVICE_ACCOUNT = { namespace: 'cartoon-compute', name: 'cartoon-compute' };

/**
 * KEDA's operator, as its release YAML installs it: it reads the queue's depth with its own
 * credentials (TriggerAuthentication `podIdentity.provider: aws`, identity owner `keda`).
 */
export const KEDA_SERVICE_ACCOUNT = { namespace: 'keda', name: 'keda-operator' };
