import * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';

/**
 * A log group created by the stack before the service that writes to it, so it carries the stack's
 * retention: a group the service creates itself keeps its logs forever. Logical name `<owner>-logs`, or
 * `<owner>-logs-<variant>` where one owner has several.
 */
export function createLogGroup(
  parent: pulumi.Resource,
  owner: string,
  args: { logGroupName: pulumi.Input<string>; retentionInDays: number; variant?: string },
): aws.cloudwatch.LogGroup {
  const logical = args.variant ? `${owner}-logs-${args.variant}` : `${owner}-logs`;
  return new aws.cloudwatch.LogGroup(logical, { name: args.logGroupName, retentionInDays: args.retentionInDays }, { parent });
}
