import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { StackConfig } from '../../contracts/stackConfig';
import { batcherPolicy } from '../policies';
import { componentType, resolved } from './common';
import { createDeadLetterQueue } from './deadLetterQueue';
import { createNodeFunction, type NodeFunction } from './lambdaFunction';

export interface BatcherArgs {
  config: StackConfig;
  environment: pulumi.Input<Record<string, pulumi.Input<string>>>;
  streamArn: pulumi.Input<string>;
  tableArn: pulumi.Input<string>;
  inputBucketArn: pulumi.Input<string>;
  quarantineBucketArn: pulumi.Input<string>;
  manifestBucketArn: pulumi.Input<string>;
  stateMachineArn: pulumi.Input<string>;
}

/**
 * The batcher Lambda (handlers/batcher.ts) fed by the ingest stream. The event source mapping reports
 * partial batch failures, bisects a failing batch, retries a bounded number of times within a bounded
 * record age, and sends what still fails to an encrypted SQS DLQ (alarmed), starting from TRIM_HORIZON so
 * nothing written before the mapping existed is skipped.
 */
export class Batcher extends pulumi.ComponentResource {
  readonly function: NodeFunction;
  readonly deadLetterQueue: aws.sqs.Queue;
  readonly eventSourceMapping: aws.lambda.EventSourceMapping;

  constructor(name: string, args: BatcherArgs, opts?: pulumi.ComponentResourceOptions) {
    super(componentType('batcher', 'Batcher'), name, {}, opts);
    const { batcher, inputPrefix } = args.config;

    this.deadLetterQueue = createDeadLetterQueue(this, name);

    this.function = createNodeFunction(this, name, {
      lambda: 'batcher',
      description: 'Registers new input files, batches them per date into manifests, starts conversions',
      config: args.config,
      memoryMb: batcher.memoryMb,
      timeoutSeconds: batcher.timeoutSeconds,
      environment: args.environment,
      policy: (logGroupArn) =>
        resolved({
          logGroupArn,
          streamArn: args.streamArn,
          dlqArn: this.deadLetterQueue.arn,
          tableArn: args.tableArn,
          inputBucketArn: args.inputBucketArn,
          quarantineBucketArn: args.quarantineBucketArn,
          manifestBucketArn: args.manifestBucketArn,
          stateMachineArn: args.stateMachineArn,
        }).apply((arns) => JSON.stringify(batcherPolicy({ ...arns, inputPrefix }))),
    });

    this.eventSourceMapping = new aws.lambda.EventSourceMapping(
      `${name}-kinesis`,
      {
        eventSourceArn: args.streamArn,
        functionName: this.function.fn.arn,
        startingPosition: 'TRIM_HORIZON',
        batchSize: batcher.batchSize,
        maximumBatchingWindowInSeconds: batcher.maximumBatchingWindowSeconds,
        parallelizationFactor: batcher.parallelizationFactor,
        bisectBatchOnFunctionError: true,
        maximumRetryAttempts: batcher.maximumRetryAttempts,
        maximumRecordAgeInSeconds: batcher.maximumRecordAgeSeconds,
        functionResponseTypes: ['ReportBatchItemFailures'],
        destinationConfig: { onFailure: { destinationArn: this.deadLetterQueue.arn } },
      },
      { parent: this, dependsOn: [this.function.rolePolicy] },
    );

    this.registerOutputs({ functionName: this.function.fn.name, deadLetterQueueUrl: this.deadLetterQueue.url });
  }
}
