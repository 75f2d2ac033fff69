import { ACTIONS_WITHOUT_RESOURCE_SCOPE, allow, policyDocument, type PolicyDocument } from './document';

export const STATE_MACHINE_LOG_DELIVERY_ACTIONS = [
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
];

for (const action of STATE_MACHINE_LOG_DELIVERY_ACTIONS) {
  if (!ACTIONS_WITHOUT_RESOURCE_SCOPE.has(action)) throw new Error(`${action} must be listed as unscoped`);
}

/** glue:startJobRun.sync starts the run, polls it, and stops it when the execution is stopped. */
export const GLUE_SYNC_ACTIONS = ['glue:StartJobRun', 'glue:GetJobRun', 'glue:GetJobRuns', 'glue:BatchStopJobRun'];

export interface StateMachineArns {
  tableArn: string;
  glueJobArn: string;
}

/**
 * The state machine's role: update MANIFEST records in the tracking table, run and watch the one Glue job,
 * and deliver its execution logs (log delivery APIs take no resource, by AWS design).
 */
export function stateMachinePolicy(arns: StateMachineArns): PolicyDocument {
  return policyDocument(
    allow('UpdateManifestRecords', ['dynamodb:UpdateItem'], [arns.tableArn]),
    allow('RunGlueJob', GLUE_SYNC_ACTIONS, [arns.glueJobArn]),
    allow('DeliverExecutionLogs', STATE_MACHINE_LOG_DELIVERY_ACTIONS, ['*']),
  );
}
