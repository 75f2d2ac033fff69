import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { StackConfig } from '../../contracts/stackConfig';
import { stateMachineDefinition } from '../../handlers/orchestration/stateMachineDefinition';
import { assumeRolePolicy, stateMachinePolicy } from '../policies';
import { type AwsContext, componentType, resolved } from './common';
import { createLogGroup } from './logGroup';
import { createServiceRole } from './serviceRole';

/** Vended-logs path: Step Functions log groups under it do not grow the account's logs resource policy. */
export function stateMachineLogGroupName(name: string): string {
  return `/aws/vendedlogs/states/${name}`;
}

export interface OrchestrationArgs {
  aws: AwsContext;
  config: StackConfig;
  table: { name: pulumi.Input<string>; arn: pulumi.Input<string> };
  glueJob: { name: pulumi.Input<string>; arn: pulumi.Input<string> };
}

/**
 * The per-manifest state machine (STANDARD: it waits on glue:startJobRun.sync). Its definition is exactly
 * `stateMachineDefinition({tableName, glueJobName, glueRunRetries, glueSizing})`, the ASL the local runtime also executes: each run
 * sized from its manifest's bytes within the stack's glue config (docs/glue.md, Sizing each run). Execution
 * logs go to a log group with retention, at ALL (dev) or ERROR (prod).
 */
export class Orchestration extends pulumi.ComponentResource {
  readonly stateMachine: aws.sfn.StateMachine;
  readonly role: aws.iam.Role;
  readonly logGroup: aws.cloudwatch.LogGroup;
  readonly arn: pulumi.Output<string>;
  readonly name: pulumi.Output<string>;

  constructor(name: string, args: OrchestrationArgs, opts?: pulumi.ComponentResourceOptions) {
    super(componentType('orchestration', 'Orchestration'), name, {}, opts);
    this.logGroup = createLogGroup(this, name, {
      logGroupName: stateMachineLogGroupName(name),
      retentionInDays: args.config.observability.logRetentionDays,
    });

    const { role, rolePolicy } = createServiceRole(this, name, {
      description: 'Step Functions: update MANIFEST records, run the Glue job, deliver logs',
      assumeRolePolicy: args.aws.accountId.apply((account) => JSON.stringify(assumeRolePolicy('states.amazonaws.com', account))),
      policy: resolved({ tableArn: args.table.arn, glueJobArn: args.glueJob.arn }).apply((arns) =>
        JSON.stringify(stateMachinePolicy(arns)),
      ),
    });
    this.role = role;

    const definition = pulumi.all([args.table.name, args.glueJob.name]).apply(([tableName, glueJobName]) =>
      JSON.stringify(
        stateMachineDefinition({
          tableName,
          glueJobName,
          glueRunRetries: args.config.glue.maxRetries,
          glueSizing: args.config.glue,
        }),
      ),
    );

    this.stateMachine = new aws.sfn.StateMachine(
      name,
      {
        name,
        type: 'STANDARD',
        roleArn: this.role.arn,
        definition,
        loggingConfiguration: {
          logDestination: pulumi.interpolate`${this.logGroup.arn}:*`,
          includeExecutionData: true,
          level: args.config.observability.stateMachineLogLevel,
        },
      },
      { parent: this, dependsOn: [rolePolicy] },
    );

    this.arn = this.stateMachine.arn;
    this.name = this.stateMachine.name;
    this.registerOutputs({ arn: this.arn });
  }
}
