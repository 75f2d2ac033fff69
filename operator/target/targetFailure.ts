import { OperatorError, TargetError } from '../operatorError';
import type { PipelineTarget } from './pipelineTarget';

/**
 * Turns the ways a pipeline can be unreachable into one readable TargetError: no credentials, rejected
 * credentials, a table or bucket that is not there (wrong stack or region), a local endpoint that stopped.
 * Anything else is returned as it is.
 */
export function targetFailure(error: unknown, target: Pick<PipelineTarget, 'description' | 'kind'>): unknown {
  if (error instanceof OperatorError) return error;
  const e = error as { name?: string; message?: string; code?: string; cause?: { code?: string } };
  const name = e?.name ?? '';
  const message = e?.message ?? String(error);
  if (name === 'CredentialsProviderError' || /Could not load credentials|Unable to locate credentials/i.test(message)) {
    return new TargetError(
      `no AWS credentials for ${target.description}: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or run \`aws sso login\``,
      { cause: error },
    );
  }
  if (
    [
      'UnrecognizedClientException',
      'InvalidClientTokenId',
      'ExpiredTokenException',
      'ExpiredToken',
      'InvalidSignatureException',
      'AccessDeniedException',
      'AccessDenied',
    ].includes(name)
  ) {
    return new TargetError(`AWS refused the request to ${target.description} (${name}): ${message}`, { cause: error });
  }
  if (name === 'ResourceNotFoundException' || name === 'NoSuchBucket' || name === 'StateMachineDoesNotExist') {
    return new TargetError(`${target.description}: ${message} (${name}); is the stack deployed, and is the region right?`, {
      cause: error,
    });
  }
  const code = e?.code ?? e?.cause?.code;
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ENOTFOUND' || name === 'TimeoutError') {
    const hint = target.kind === 'local' ? ' (is `ndjson-parquet local --serve` still running?)' : '';
    return new TargetError(`${target.description} is not answering: ${message || code}${hint}`, { cause: error });
  }
  return error;
}
