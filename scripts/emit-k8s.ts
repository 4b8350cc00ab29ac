/**
 * `npm run eks:manifests -- --image <uri> --bucket <name> --queue-url <url> --region <region>`
 * builds the eks variant's manifests (infra/eks/manifests.ts), validates them offline and
 * writes them to build/eks/ as YAML for `kubectl apply -f build/eks/`. Optional: --namespace,
 * --replicas, --max-replicas, --cpu, --memory, --worker-max, --stop-timeout, --certificate-arn,
 * --out. It talks to no cluster and no AWS API: the values come from the deployed stack's
 * outputs, given here.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeManifests } from '../infra/eks/emit';
import { type EksManifestInputOptions, readEksManifestInput } from '../infra/eks/manifest-input';
import { buildManifests } from '../infra/eks/manifests';
import { validateManifests } from '../infra/eks/validate-manifests';

const USAGE =
  'usage: npm run eks:manifests -- --image <ecr-uri> --bucket <name> --queue-url <url> ' +
  '--region <region> [--namespace n] [--replicas n] [--max-replicas n] [--cpu units] ' +
  '[--memory MiB] [--worker-max n] [--stop-timeout s] [--certificate-arn arn] [--out dir]';

function numberOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed)) throw new Error(`--${name} must be an integer; got '${value}'`);
  return parsed;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      image: { type: 'string' },
      bucket: { type: 'string' },
      'queue-url': { type: 'string' },
      region: { type: 'string' },
      namespace: { type: 'string' },
      replicas: { type: 'string' },
      'max-replicas': { type: 'string' },
      cpu: { type: 'string' },
      memory: { type: 'string' },
      'worker-max': { type: 'string' },
      'stop-timeout': { type: 'string' },
      'certificate-arn': { type: 'string', multiple: true },
      out: { type: 'string', default: path.join('build', 'eks') },
    },
  });
  const missing = (['image', 'bucket', 'queue-url', 'region'] as const).filter(
    (key) => values[key] === undefined,
  );
  if (missing.length > 0) {
    throw new Error(`missing ${missing.map((key) => `--${key}`).join(', ')}\n${USAGE}`);
  }
  const cpu = numberOption('cpu', values.cpu);
  const memory = numberOption('memory', values.memory);
  if ((cpu === undefined) !== (memory === undefined)) {
    throw new Error('--cpu and --memory go together (one of Fargate task sizes)');
  }
  const options: EksManifestInputOptions = {
    image: values.image as string,
    bucket: values.bucket as string,
    queueUrl: values['queue-url'] as string,
    region: values.region as string,
    ...(values.namespace ? { namespace: values.namespace } : {}),
    ...(cpu !== undefined && memory !== undefined ? { taskSize: { cpu, memory } } : {}),
    ...(values['certificate-arn'] ? { certificateArns: values['certificate-arn'] } : {}),
  };
  const numbers = {
    replicas: numberOption('replicas', values.replicas),
    maxReplicas: numberOption('max-replicas', values['max-replicas']),
    workerMaxReplicas: numberOption('worker-max', values['worker-max']),
    stopTimeoutSeconds: numberOption('stop-timeout', values['stop-timeout']),
  };
  const input = readEksManifestInput({
    ...options,
    ...Object.fromEntries(Object.entries(numbers).filter(([, value]) => value !== undefined)),
  });
  const manifests = buildManifests(input);
  await validateManifests(manifests);
  const written = await writeManifests(values.out, manifests);
  for (const { file, kind, name } of written) console.log(`wrote ${file} (${kind} ${name})`);
  console.log(`apply with: kubectl apply -f ${values.out}/`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
