// The Dockerfiles in container/ name their base images by digest, so one Dockerfile always
// builds on the same bytes, and the local cloud still reads the Lambda base through its ARG.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readImage } from '../../local-cloud/container-image';
import { parseDockerfile, unpinnedBases } from '../support/dockerfile';

const ROOT = path.resolve(__dirname, '..', '..');
const IMAGES = ['fargate', 'lambda-image'] as const;
const read = (name: string) =>
  parseDockerfile(readFileSync(path.join(ROOT, 'container', name, 'Dockerfile'), 'utf8'));

describe('container/*/Dockerfile', () => {
  it.each(IMAGES)('%s builds every stage on a base pinned by sha256 digest', (name) => {
    const dockerfile = read(name);
    expect(dockerfile.stages.length).toBeGreaterThan(0);
    expect(unpinnedBases(dockerfile)).toEqual([]);
  });

  it('fargate builds both stages on one Node 24 slim image, lambda-image on the arm64 Lambda base', () => {
    const froms = read('fargate').stages.map((stage) => stage.from);
    expect(new Set(froms).size).toBe(1);
    expect(froms[0]).toMatch(/^node:24-bookworm-slim@sha256:/);
    expect(read('lambda-image').stages[0]?.from).toMatch(
      /^public\.ecr\.aws\/lambda\/nodejs:24-arm64@sha256:/,
    );
  });

  it('the local cloud still sees the Lambda base behind the ARG (LAMBDA_TASK_ROOT is /var/task)', () => {
    const image = readImage(path.join(ROOT, 'container', 'lambda-image'));
    expect(image.platform).toBe('linux/arm64');
    expect(image.copies.map((copy) => copy.destination)).toContain('/var/task/api');
  });
});

describe('unpinnedBases', () => {
  it('names a base given by tag, directly or through an ARG default', () => {
    expect(unpinnedBases(parseDockerfile('FROM node:24-bookworm-slim\n'))).toEqual([
      'node:24-bookworm-slim',
    ]);
    expect(
      unpinnedBases(parseDockerfile(`ARG BASE=public.ecr.aws/lambda/nodejs:24\nFROM \${BASE}\n`)),
    ).toEqual(['public.ecr.aws/lambda/nodejs:24']);
  });

  it('passes a digest, and a stage built on an earlier stage', () => {
    const digest = `node:24@sha256:${'a'.repeat(64)}`;
    expect(unpinnedBases(parseDockerfile(`FROM ${digest} AS build\nFROM build\n`))).toEqual([]);
    expect(unpinnedBases(parseDockerfile(`FROM ${digest.slice(0, -1)}\n`))).toHaveLength(1);
  });
});
