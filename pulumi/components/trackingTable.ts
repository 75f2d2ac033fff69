import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { StackConfig } from '../../contracts/stackConfig';
import { TRACKING_INDEX_NAME } from '../policies';
import { componentType } from './common';

export const TABLE_KEYS = { hash: 'date_prefix', range: 'file_key' } as const;
export const WINDOWS_INDEX = { name: TRACKING_INDEX_NAME, hash: 'window_pk', range: 'date_prefix' } as const;
export const TTL_ATTRIBUTE = 'ttl';

export interface TrackingTableArgs {
  tracking: StackConfig['tracking'];
  /** Refuse deletion (prod): DynamoDB deletion protection plus Pulumi `protect`. */
  deletionProtection: boolean;
}

/**
 * The tracking table: files, windows, locks and MANIFEST records of each date under `date_prefix`.
 * On-demand capacity (idle costs nothing), TTL on `ttl`, encryption at rest with the AWS-managed key,
 * point-in-time recovery per stack, and the `windows` index the sweeper lists open date windows through.
 */
export class TrackingTable extends pulumi.ComponentResource {
  readonly table: aws.dynamodb.Table;
  readonly name: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: TrackingTableArgs, opts?: pulumi.ComponentResourceOptions) {
    super(componentType('tracking', 'TrackingTable'), name, {}, opts);
    this.table = new aws.dynamodb.Table(
      name,
      {
        name,
        billingMode: 'PAY_PER_REQUEST',
        hashKey: TABLE_KEYS.hash,
        rangeKey: TABLE_KEYS.range,
        attributes: [
          { name: TABLE_KEYS.hash, type: 'S' },
          { name: TABLE_KEYS.range, type: 'S' },
          { name: WINDOWS_INDEX.hash, type: 'S' },
        ],
        globalSecondaryIndexes: [
          {
            name: WINDOWS_INDEX.name,
            keySchemas: [
              { attributeName: WINDOWS_INDEX.hash, keyType: 'HASH' },
              { attributeName: WINDOWS_INDEX.range, keyType: 'RANGE' },
            ],
            projectionType: 'ALL',
          },
        ],
        ttl: { attributeName: TTL_ATTRIBUTE, enabled: true },
        pointInTimeRecovery: { enabled: args.tracking.pointInTimeRecovery },
        serverSideEncryption: { enabled: true },
        deletionProtectionEnabled: args.deletionProtection,
      },
      { parent: this, protect: args.deletionProtection },
    );
    this.name = this.table.name;
    this.arn = this.table.arn;
    this.registerOutputs({ name: this.name, arn: this.arn });
  }
}
