import { DescribeExecutionCommand, ExecutionDoesNotExist, type SFNClient } from '@aws-sdk/client-sfn';

/** One Step Functions execution's status, for `trace`. */

export interface ExecutionView {
  arn: string;
  status: string;
  startedAt: string | null;
  stoppedAt: string | null;
  error: string | null;
}

export async function describeExecution(sfn: SFNClient, arn: string): Promise<ExecutionView | null> {
  try {
    const result = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    return {
      arn,
      status: result.status ?? 'UNKNOWN',
      startedAt: result.startDate?.toISOString() ?? null,
      stoppedAt: result.stopDate?.toISOString() ?? null,
      error: result.error ? `${result.error}${result.cause ? `: ${result.cause}` : ''}` : null,
    };
  } catch (error) {
    if (error instanceof ExecutionDoesNotExist) return null;
    throw error;
  }
}
