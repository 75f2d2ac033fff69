import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/**
 * A Lambda `Context` for an in-process invocation: what the Node runtime hands a handler, with the
 * remaining time counted down from the configured timeout so handlers that budget their work see the
 * same numbers they would on AWS.
 */

export interface LambdaIdentity {
  functionName: string;
  memoryMb: number;
  timeoutSeconds: number;
  region: string;
  account: string;
}

export class DeprecatedContextCallError extends Error {
  override readonly name = 'DeprecatedContextCallError';
}

export function lambdaContext(identity: LambdaIdentity, now: () => number = Date.now): Context {
  const deadline = now() + identity.timeoutSeconds * 1000;
  const requestId = randomUUID();
  const day = new Date(now()).toISOString().slice(0, 10).replace(/-/g, '/');
  const deprecated = (name: string) => () => {
    throw new DeprecatedContextCallError(`context.${name}() is a Node 0.10 callback API; return a promise from the handler instead`);
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: identity.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${identity.region}:${identity.account}:function:${identity.functionName}`,
    memoryLimitInMB: String(identity.memoryMb),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${identity.functionName}`,
    logStreamName: `${day}/[$LATEST]${requestId.replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - now()),
    done: deprecated('done'),
    fail: deprecated('fail'),
    succeed: deprecated('succeed'),
  };
}
