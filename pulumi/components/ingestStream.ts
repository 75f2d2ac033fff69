import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { StackConfig } from '../../contracts/stackConfig';
import { componentType } from './common';

/** Kinesis server-side encryption with the AWS-managed key: producers and consumers need no KMS grants. */
export const KINESIS_KMS_KEY = 'alias/aws/kinesis';

export interface IngestStreamArgs {
  stream: StackConfig['stream'];
}

/** The Kinesis stream between EventBridge and the batcher: PROVISIONED (shardCount) or ON_DEMAND per stack. */
export class IngestStream extends pulumi.ComponentResource {
  readonly stream: aws.kinesis.Stream;
  readonly name: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: IngestStreamArgs, opts?: pulumi.ComponentResourceOptions) {
    super(componentType('ingest', 'IngestStream'), name, {}, opts);
    const { mode, shardCount, retentionHours } = args.stream;
    this.stream = new aws.kinesis.Stream(
      name,
      {
        name,
        streamModeDetails: { streamMode: mode },
        ...(mode === 'PROVISIONED' ? { shardCount } : {}),
        retentionPeriod: retentionHours,
        encryptionType: 'KMS',
        kmsKeyId: KINESIS_KMS_KEY,
        enforceConsumerDeletion: true,
      },
      { parent: this },
    );
    this.name = this.stream.name;
    this.arn = this.stream.arn;
    this.registerOutputs({ name: this.name, arn: this.arn });
  }
}
