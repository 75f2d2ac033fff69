import type { GlueExecutionClass } from '../../handlers/orchestration/glueCapacity';

/** What the stack passes the alarm and dashboard builders for a dev stack named `np-dev`. */
export const OBSERVED_DEV_STACK = {
  service: 'np-dev',
  batcherFunctionName: 'np-dev-batcher',
  sweeperFunctionName: 'np-dev-sweeper',
  batcherDlqName: 'np-dev-batcher-dlq',
  ingestDlqName: 'np-dev-s3-events-dlq',
  stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:np-dev-manifest',
  iteratorAgeAlarmSeconds: 600,
  pendingAgeAlarmSeconds: 720,
  glueExecutionClass: 'FLEX' as GlueExecutionClass,
  glueDpuHourUsd: 0.29,
};
