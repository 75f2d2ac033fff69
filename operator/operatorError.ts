/**
 * Errors a command reports to a person, each with the exit code scripts can branch on. Anything else that
 * escapes a command is a bug or an unexpected service failure and exits 1 with its stack.
 */

export const EXIT = {
  ok: 0,
  /** The operation ran and failed (a redrive that could not start, a flush that did not get the lock). */
  failed: 1,
  /** Bad flags or arguments. */
  usage: 2,
  /** The pipeline could not be reached: unknown stack, no credentials, no local endpoint, missing table. */
  target: 3,
  /** The date, file or manifest asked about does not exist. */
  notFound: 4,
  /** Refused to act because it would be unsafe (a live lease without --force, a manifest that has not failed). */
  refused: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class OperatorError extends Error {
  override readonly name: string = 'OperatorError';
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class UsageError extends OperatorError {
  override readonly name = 'UsageError';
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

export class TargetError extends OperatorError {
  override readonly name = 'TargetError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT.target, options);
  }
}

export class NotFoundError extends OperatorError {
  override readonly name = 'NotFoundError';
  constructor(message: string) {
    super(message, EXIT.notFound);
  }
}

export class RefusedError extends OperatorError {
  override readonly name = 'RefusedError';
  constructor(message: string) {
    super(message, EXIT.refused);
  }
}

export class OperationFailedError extends OperatorError {
  override readonly name = 'OperationFailedError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT.failed, options);
  }
}
