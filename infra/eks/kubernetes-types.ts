/**
 * The kubernetes-models interfaces the manifests are typed with. kubernetes-models is
 * ESM-only (an `import`-only export map); this CommonJS project reaches its declarations
 * through `import()` types with `resolution-mode: import`, in this one file, so the rest of
 * infra/eks imports plain type names. Types only: nothing here loads at run time.
 */
export type INamespace = import('kubernetes-models/v1', { with: {
  'resolution-mode': 'import',
}}).INamespace;
export type IServiceAccount = import('kubernetes-models/v1', { with: {
  'resolution-mode': 'import',
}}).IServiceAccount;
export type IService = import('kubernetes-models/v1', { with: {
  'resolution-mode': 'import',
}}).IService;
export type IContainer = import('kubernetes-models/v1', { with: {
  'resolution-mode': 'import',
}}).IContainer;
export type IPodSpec = import('kubernetes-models/v1', { with: {
  'resolution-mode': 'import',
}}).IPodSpec;
export type IProbe = import('kubernetes-models/v1', { with: {
  'resolution-mode': 'import',
}}).IProbe;
export type IDeployment = import('kubernetes-models/apps/v1', { with: {
  'resolution-mode': 'import',
}}).IDeployment;
export type IHorizontalPodAutoscaler = import('kubernetes-models/autoscaling/v2', { with: {
  'resolution-mode': 'import',
}}).IHorizontalPodAutoscaler;
export type IIngress = import('kubernetes-models/networking.k8s.io/v1', { with: {
  'resolution-mode': 'import',
}}).IIngress;
export type IIngressClass = import('kubernetes-models/networking.k8s.io/v1', { with: {
  'resolution-mode': 'import',
}}).IIngressClass;
export type IPodDisruptionBudget = import('kubernetes-models/policy/v1', { with: {
  'resolution-mode': 'import',
}}).IPodDisruptionBudget;
export type IScaledObject = import('@kubernetes-models/keda/keda.sh/v1alpha1', { with: {
  'resolution-mode': 'import',
}}).IScaledObject;
export type ITriggerAuthentication = import('@kubernetes-models/keda/keda.sh/v1alpha1', { with: {
  'resolution-mode': 'import',
}}).ITriggerAuthentication;
export type ILabelSelector =
  import('@kubernetes-models/apimachinery/apis/meta/v1/LabelSelector', { with: {
    'resolution-mode': 'import',
  }}).ILabelSelector;
