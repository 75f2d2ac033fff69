import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { metricsService } from '../../contracts/metrics';
import { pendingAgeAlarmSeconds, type StackConfig } from '../../contracts/stackConfig';
import { dpuHourUsd } from '../../handlers/orchestration/glueRunCost';
import { ALARM_KEYS, alarmSpecs } from '../observability/alarms';
import { dashboardBody, dashboardUrl } from '../observability/dashboard';
import { alarmTopicKeyPolicy } from '../policies';
import { type AwsContext, componentType, resolved } from './common';

export interface ObservabilityArgs {
  aws: AwsContext;
  config: StackConfig;
  baseName: string;
  streamName: pulumi.Input<string>;
  batcherFunctionName: pulumi.Input<string>;
  sweeperFunctionName: pulumi.Input<string>;
  batcherDlqName: pulumi.Input<string>;
  ingestDlqName: pulumi.Input<string>;
  stateMachineArn: pulumi.Input<string>;
  glueJobName: pulumi.Input<string>;
}

/**
 * One dashboard per stack, and alarms on what needs a person, sent to an SNS topic encrypted with its own
 * KMS key (CloudWatch cannot publish to a topic under the AWS-managed aws/sns key). The e-mail
 * subscription comes from `observability.alarmEmail` and must be confirmed from the mail AWS sends.
 */
export class Observability extends pulumi.ComponentResource {
  readonly topic: aws.sns.Topic;
  readonly key: aws.kms.Key;
  readonly alarms: aws.cloudwatch.MetricAlarm[];
  readonly dashboard: aws.cloudwatch.Dashboard;
  readonly dashboardUrl: pulumi.Output<string>;

  constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
    super(componentType('observability', 'Observability'), name, {}, opts);
    const parent = { parent: this };
    const { observability } = args.config;
    const service = metricsService(args.baseName);

    this.key = new aws.kms.Key(
      `${name}-alarms-key`,
      {
        description: `${args.baseName}: encrypts the alarm topic`,
        enableKeyRotation: true,
        deletionWindowInDays: 7,
        policy: resolved({ partition: args.aws.partition, accountId: args.aws.accountId }).apply((ids) =>
          JSON.stringify(alarmTopicKeyPolicy(ids)),
        ),
      },
      parent,
    );
    new aws.kms.Alias(`${name}-alarms-key-alias`, { name: `alias/${args.baseName}-alarms`, targetKeyId: this.key.keyId }, parent);

    this.topic = new aws.sns.Topic(`${name}-alarms`, { name: `${args.baseName}-alarms`, kmsMasterKeyId: this.key.arn }, parent);
    if (observability.alarmEmail) {
      new aws.sns.TopicSubscription(
        `${name}-alarms-email`,
        { topic: this.topic.arn, protocol: 'email', endpoint: observability.alarmEmail },
        parent,
      );
    }

    const specs = resolved({
      batcherFunctionName: args.batcherFunctionName,
      sweeperFunctionName: args.sweeperFunctionName,
      batcherDlqName: args.batcherDlqName,
      ingestDlqName: args.ingestDlqName,
      stateMachineArn: args.stateMachineArn,
    }).apply((names) =>
      alarmSpecs({
        ...names,
        service,
        iteratorAgeAlarmSeconds: observability.iteratorAgeAlarmSeconds,
        pendingAgeAlarmSeconds: pendingAgeAlarmSeconds(args.config),
      }),
    );
    // The set of alarms is fixed (ALARM_KEYS), so the resources are declared up front; each takes its
    // fields from the spec computed once the resource names are known.
    this.alarms = ALARM_KEYS.map((key) => {
      const spec = specs.apply((all) => {
        const found = all.find((s) => s.key === key);
        if (!found) throw new Error(`alarm ${key} disappeared`);
        return found;
      });
      return new aws.cloudwatch.MetricAlarm(
        `${name}-${key}`,
        {
          name: `${args.baseName}-${key}`,
          alarmDescription: spec.description,
          namespace: spec.namespace,
          metricName: spec.metricName,
          dimensions: spec.dimensions,
          statistic: spec.statistic,
          period: spec.periodSeconds,
          evaluationPeriods: spec.evaluationPeriods,
          datapointsToAlarm: spec.datapointsToAlarm,
          threshold: spec.threshold,
          comparisonOperator: spec.comparisonOperator,
          treatMissingData: spec.treatMissingData,
          alarmActions: [this.topic.arn],
          okActions: [this.topic.arn],
        },
        parent,
      );
    });

    const dashboardName = args.baseName;
    this.dashboard = new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      {
        dashboardName,
        dashboardBody: resolved({
          region: args.aws.region,
          streamName: args.streamName,
          batcherFunctionName: args.batcherFunctionName,
          sweeperFunctionName: args.sweeperFunctionName,
          stateMachineArn: args.stateMachineArn,
          glueJobName: args.glueJobName,
          batcherDlqName: args.batcherDlqName,
          ingestDlqName: args.ingestDlqName,
          alarmArns: pulumi.all(this.alarms.map((a) => a.arn)),
        }).apply((inputs) =>
          JSON.stringify(
            dashboardBody({
              ...inputs,
              service,
              iteratorAgeAlarmSeconds: observability.iteratorAgeAlarmSeconds,
              glueExecutionClass: args.config.glue.executionClass,
              glueDpuHourUsd: dpuHourUsd(args.config.glue.executionClass, args.config.prices),
            }),
          ),
        ),
      },
      parent,
    );
    this.dashboardUrl = args.aws.region.apply((region) => dashboardUrl(region, dashboardName));

    this.registerOutputs({ topicArn: this.topic.arn, dashboardUrl: this.dashboardUrl });
  }
}
