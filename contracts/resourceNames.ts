/**
 * The names of a stack's resources, in one place: the Pulumi program names what it creates with them and
 * the local runtime creates the same resources in the emulator under the same names, so a local run and a
 * deployed stack differ only by the stack part (`<namePrefix>-dev-…` against `<namePrefix>-local-…`).
 *
 * Buckets are named with these as Pulumi logical names: S3 bucket names are global, so Pulumi appends a
 * random suffix to the physical name, and the stack exports the real names. Everything else (stream, table,
 * state machine, job, functions) carries exactly these physical names.
 */

export type BucketRole = 'input' | 'quarantine' | 'manifest' | 'output' | 'scripts';

export interface ResourceNameSet {
  /** `<namePrefix>-<stack>`: the prefix of every other name, and the name of stack-wide groupings. */
  base: string;
  buckets: Record<BucketRole, string>;
  stream: string;
  s3Events: string;
  table: string;
  glueJob: string;
  stateMachine: string;
  batcher: string;
  sweeper: string;
  generator: string;
  /** The EventBridge rule target's dead-letter queue (events that could not be put on the stream). */
  ingestDlq: string;
  /** The batcher mapping's on-failure destination (batches that exhausted their retries). */
  batcherDlq: string;
}

/** The SQS dead-letter queue of a resource: `<owner>-dlq`. */
export function deadLetterQueueName(owner: string): string {
  return `${owner}-dlq`;
}

export function resourceNames(namePrefix: string, stack: string): ResourceNameSet {
  const base = `${namePrefix}-${stack}`;
  const named = (role: string) => `${base}-${role}`;
  return {
    base,
    buckets: {
      input: named('input'),
      quarantine: named('quarantine'),
      manifest: named('manifest'),
      output: named('output'),
      scripts: named('scripts'),
    },
    stream: named('ingest'),
    s3Events: named('s3-events'),
    table: named('tracking'),
    glueJob: named('glue'),
    stateMachine: named('manifest'),
    batcher: named('batcher'),
    sweeper: named('sweeper'),
    generator: named('generator'),
    ingestDlq: deadLetterQueueName(named('s3-events')),
    batcherDlq: deadLetterQueueName(named('batcher')),
  };
}
