import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { StackConfig } from '../../contracts/stackConfig';
import { TTL_ATTRIBUTE, trackingTableDefinition } from '../../contracts/trackingSchema';
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
    const table = trackingTableDefinition();
    this.table = new aws.dynamodb.Table(
      name,
      {
        name,
        billingMode: table.BillingMode,
        hashKey: keyOf(table.KeySchema, 'HASH'),
        rangeKey: keyOf(table.KeySchema, 'RANGE'),
        attributes: table.AttributeDefinitions.map((a) => ({ name: a.AttributeName, type: a.AttributeType })),
        globalSecondaryIndexes: table.GlobalSecondaryIndexes.map((index) => ({
          name: index.IndexName,
          keySchemas: index.KeySchema.map((k) => ({ attributeName: k.AttributeName, keyType: k.KeyType })),
          projectionType: index.Projection.ProjectionType,
        })),
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

function keyOf(schema: readonly { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[], type: 'HASH' | 'RANGE'): string {
  const key = schema.find((k) => k.KeyType === type);
  if (!key) throw new Error(`the tracking table definition has no ${type} key`);
  return key.AttributeName;
}
