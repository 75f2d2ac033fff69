import { allow, type PolicyDocument, policyDocument, STATE_MACHINE_LOG_DELIVERY_ACTIONS, type UnusedLocally } from './document';

export { STATE_MACHINE_LOG_DELIVERY_ACTIONS };

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
    allow('DeliverExecutionLogs', [...STATE_MACHINE_LOG_DELIVERY_ACTIONS], ['*']),
  );
}

export const STATE_MACHINE_UNUSED_LOCALLY: UnusedLocally = {
  'RunGlueJob/glue:GetJobRuns':
    'part of the documented policy of the .sync Glue integration; the local executor polls its runner in process',
  'RunGlueJob/glue:BatchStopJobRun': '.sync stops the Glue run when its execution is stopped; no local path stops an execution',
  DeliverExecutionLogs: "Step Functions' vended log delivery to CloudWatch Logs; the local executor keeps no CloudWatch log",
};
