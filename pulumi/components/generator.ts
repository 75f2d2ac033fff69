import * as pulumi from '@pulumi/pulumi';
import type { StackConfig } from '../../contracts/stackConfig';
import { generatorPolicy } from '../policies';
import { componentType, resolved } from './common';
import { createNodeFunction, type NodeFunction } from './lambdaFunction';

export const GENERATOR_MEMORY_MB = 512;
/** The slowest seed payloads (rate `slow`, 10 s between files) need the full 15 minutes. */
export const GENERATOR_TIMEOUT_SECONDS = 900;

export interface GeneratorArgs {
  config: StackConfig;
  environment: pulumi.Input<Record<string, pulumi.Input<string>>>;
  inputBucketArn: pulumi.Input<string>;
}

/**
 * The dev-only test-data generator (handlers/generator.ts), invoked by hand with the seed's payload
 * ({file_count, date_prefix, target_size_mb, ingestion_rate, delay_seconds}). It may only put objects
 * under the input prefix.
 */
export class Generator extends pulumi.ComponentResource {
  readonly function: NodeFunction;

  constructor(name: string, args: GeneratorArgs, opts?: pulumi.ComponentResourceOptions) {
    super(componentType('generator', 'Generator'), name, {}, opts);
    this.function = createNodeFunction(this, name, {
      lambda: 'generator',
      description: 'Dev only: writes seed-format NDJSON test files into the input bucket',
      config: args.config,
      memoryMb: GENERATOR_MEMORY_MB,
      timeoutSeconds: GENERATOR_TIMEOUT_SECONDS,
      environment: args.environment,
      policy: (logGroupArn) =>
        resolved({ logGroupArn, inputBucketArn: args.inputBucketArn }).apply((arns) =>
          JSON.stringify(generatorPolicy({ ...arns, inputPrefix: args.config.inputPrefix })),
        ),
    });
    this.registerOutputs({ functionName: this.function.fn.name });
  }
}
