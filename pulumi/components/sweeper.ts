import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { type StackConfig, sweeperTimeoutSeconds } from '../../contracts/stackConfig';
import { sweeperPolicy } from '../policies';
import { componentType, resolved } from './common';
import { createNodeFunction, type NodeFunction } from './lambdaFunction';

export const SWEEPER_MEMORY_MB = 256;

/** EventBridge rate expression: `rate(1 minute)`, `rate(5 minutes)`. */
export function everyMinutesExpression(minutes: number): string {
  return `rate(${minutes} ${minutes === 1 ? 'minute' : 'minutes'})`;
}

export interface SweeperArgs {
  config: StackConfig;
  environment: pulumi.Input<Record<string, pulumi.Input<string>>>;
  tableArn: pulumi.Input<string>;
  inputBucketArn: pulumi.Input<string>;
  quarantineBucketArn: pulumi.Input<string>;
  manifestBucketArn: pulumi.Input<string>;
  stateMachineArn: pulumi.Input<string>;
}

/**
 * The sweeper Lambda (handlers/sweeper.ts) on an EventBridge schedule: flushes windows older than
 * maxWaitSeconds and previous-day remainders, resumes half-built manifests, frees expired locks, reports
 * stuck manifests. A failed sweep is not retried asynchronously: the next tick is the retry.
 */
export class Sweeper extends pulumi.ComponentResource {
  readonly function: NodeFunction;
  readonly schedule: aws.cloudwatch.EventRule;

  constructor(name: string, args: SweeperArgs, opts?: pulumi.ComponentResourceOptions) {
    super(componentType('sweeper', 'Sweeper'), name, {}, opts);
    const { sweeper, inputPrefix } = args.config;

    const timeoutSeconds = sweeperTimeoutSeconds(sweeper);

    this.function = createNodeFunction(this, name, {
      lambda: 'sweeper',
      description: 'Flushes due date windows, resumes stuck manifests, frees expired locks',
      config: args.config,
      memoryMb: SWEEPER_MEMORY_MB,
      timeoutSeconds,
      environment: args.environment,
      policy: (logGroupArn) =>
        resolved({
          logGroupArn,
          tableArn: args.tableArn,
          inputBucketArn: args.inputBucketArn,
          quarantineBucketArn: args.quarantineBucketArn,
          manifestBucketArn: args.manifestBucketArn,
          stateMachineArn: args.stateMachineArn,
        }).apply((arns) => JSON.stringify(sweeperPolicy({ ...arns, inputPrefix }))),
    });

    new aws.lambda.FunctionEventInvokeConfig(
      `${name}-async`,
      { functionName: this.function.fn.name, maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 * sweeper.everyMinutes },
      { parent: this },
    );

    this.schedule = new aws.cloudwatch.EventRule(
      `${name}-schedule`,
      { name: `${name}-schedule`, description: 'Runs the sweeper', scheduleExpression: everyMinutesExpression(sweeper.everyMinutes) },
      { parent: this },
    );
    const permission = new aws.lambda.Permission(
      `${name}-invoke`,
      { action: 'lambda:InvokeFunction', function: this.function.fn.name, principal: 'events.amazonaws.com', sourceArn: this.schedule.arn },
      { parent: this },
    );
    new aws.cloudwatch.EventTarget(
      `${name}-target`,
      { rule: this.schedule.name, arn: this.function.fn.arn },
      { parent: this, dependsOn: [permission] },
    );

    this.registerOutputs({ functionName: this.function.fn.name });
  }
}
