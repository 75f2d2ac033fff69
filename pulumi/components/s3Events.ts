import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { PARTITION_KEY_PATH } from '../../handlers/domain/s3Event';
import { assumeRolePolicy, eventsToKinesisPolicy, objectCreatedPattern, ruleDeadLetterQueuePolicy } from '../policies';
import { type AwsContext, componentType } from './common';
import { createDeadLetterQueue } from './deadLetterQueue';
import { createServiceRole } from './serviceRole';

/** EventBridge keeps retrying a failed put for up to a day before the event goes to the rule's DLQ. */
export const TARGET_RETRY = { maximumEventAgeInSeconds: 86_400, maximumRetryAttempts: 185 } as const;

export interface S3EventsArgs {
  aws: AwsContext;
  bucketId: pulumi.Input<string>;
  bucketName: pulumi.Input<string>;
  inputPrefix: string;
  streamArn: pulumi.Input<string>;
}

/**
 * S3 cannot notify Kinesis directly, so: the input bucket sends its events to EventBridge; a rule keeps
 * "Object Created" under the input prefix; its target puts the event on the stream through a role that
 * may only PutRecord(s) on that stream. Events EventBridge cannot deliver after retrying land in an
 * encrypted SQS dead-letter queue (alarmed), never silently dropped.
 */
export class S3Events extends pulumi.ComponentResource {
  readonly notification: aws.s3.BucketNotification;
  readonly rule: aws.cloudwatch.EventRule;
  readonly target: aws.cloudwatch.EventTarget;
  readonly role: aws.iam.Role;
  readonly deadLetterQueue: aws.sqs.Queue;

  constructor(name: string, args: S3EventsArgs, opts?: pulumi.ComponentResourceOptions) {
    super(componentType('ingest', 'S3Events'), name, {}, opts);
    const parent = { parent: this };

    this.notification = new aws.s3.BucketNotification(`${name}-eventbridge`, { bucket: args.bucketId, eventbridge: true }, parent);

    this.rule = new aws.cloudwatch.EventRule(
      `${name}-object-created`,
      {
        name: `${name}-object-created`,
        description: 'Object Created under the input prefix of the input bucket -> ingest stream',
        eventPattern: pulumi.output(args.bucketName).apply((bucket) => JSON.stringify(objectCreatedPattern(bucket, args.inputPrefix))),
      },
      parent,
    );

    const { role, rolePolicy } = createServiceRole(this, `${name}-to-kinesis`, {
      description: 'EventBridge rule target: put S3 events on the ingest stream',
      assumeRolePolicy: args.aws.accountId.apply((account) => JSON.stringify(assumeRolePolicy('events.amazonaws.com', account))),
      policy: pulumi.output(args.streamArn).apply((arn) => JSON.stringify(eventsToKinesisPolicy(arn))),
    });
    this.role = role;

    this.deadLetterQueue = createDeadLetterQueue(this, name);
    const queuePolicy = new aws.sqs.QueuePolicy(
      `${name}-dlq-policy`,
      {
        queueUrl: this.deadLetterQueue.url,
        policy: pulumi
          .all([this.deadLetterQueue.arn, this.rule.arn])
          .apply(([queueArn, ruleArn]) => JSON.stringify(ruleDeadLetterQueuePolicy(queueArn, ruleArn))),
      },
      parent,
    );

    this.target = new aws.cloudwatch.EventTarget(
      `${name}-to-kinesis`,
      {
        rule: this.rule.name,
        arn: args.streamArn,
        roleArn: this.role.arn,
        kinesisTarget: { partitionKeyPath: PARTITION_KEY_PATH },
        retryPolicy: { ...TARGET_RETRY },
        deadLetterConfig: { arn: this.deadLetterQueue.arn },
      },
      { parent: this, dependsOn: [rolePolicy, queuePolicy] },
    );

    this.registerOutputs({ ruleArn: this.rule.arn, deadLetterQueueUrl: this.deadLetterQueue.url });
  }
}
