import type { Context } from 'aws-lambda';
import type { Invocation } from './services/runBatcher';

/** What the reports record of the Lambda invocation. */
export function invocationOf(context: Context): Invocation {
  return { requestId: context.awsRequestId, functionName: context.functionName, memoryLimitMb: Number(context.memoryLimitInMB) };
}
