import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { StackConfig } from '../../contracts/stackConfig';
import { TABLE_KEYS, TTL_ATTRIBUTE, WINDOWS_INDEX } from '../../contracts/trackingSchema';
import { componentType } from './common';

export interface TrackingTableArgs {
  tracking: StackConfig['tracking'];
  /** Refuse deletion (prod): DynamoDB deletion protection plus Pulumi `protect`. */
  deletionProtection: boolean;
}

/**
 * The tracking table (contracts/trackingSchema.ts): every item of a date under its partition key.
 * On-demand capacity (idle costs nothing), TTL, encryption at rest with the AWS-managed key,
 * point-in-time recovery per stack, and the index the sweeper lists open date windows through.
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
