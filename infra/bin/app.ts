/**
 * Entry point of the CDK app (`app` in cdk.json; the npm scripts
 * synth, deploy:lambda-image, deploy:fargate, destroy:*). Settings come from `-c key=value`;
 * `-c stacks=fargate` builds one stack, which then needs only its own image directories.
 */
import { buildApp } from '../lib/app';

buildApp().app.synth();
