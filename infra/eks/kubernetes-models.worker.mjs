/**
 * Validates Kubernetes objects against kubernetes-models' schemas, in a worker thread: the
 * package is ESM-only, and Node's own loader in a worker imports it whether the caller is
 * tsx, plain Node or jest's CommonJS sandbox (which cannot). Receives `workerData.objects`,
 * posts back one message per object: null when valid, else kubernetes-models' message.
 */
import { parentPort, workerData } from 'node:worker_threads';

/** Where each apiVersion's classes live; the class is named after the kind. */
function modulePath(apiVersion) {
  if (apiVersion === 'v1') return 'kubernetes-models/v1';
  if (apiVersion.startsWith('keda.sh/')) return `@kubernetes-models/keda/${apiVersion}`;
  return `kubernetes-models/${apiVersion}`;
}

async function validate(object) {
  const { apiVersion, kind } = object ?? {};
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
    return 'apiVersion and kind are required';
  }
  let models;
  try {
    models = await import(modulePath(apiVersion));
  } catch {
    return `no schema for apiVersion ${apiVersion}`;
  }
  const Model = models[kind];
  if (typeof Model !== 'function') return `no schema for ${kind} in ${apiVersion}`;
  try {
    new Model(object).validate();
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

const results = [];
for (const object of workerData.objects) results.push(await validate(object));
parentPort.postMessage(results);
