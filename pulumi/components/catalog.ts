import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { StackConfig } from '../../contracts/stackConfig';
import { componentType } from './common';

/** Folder of one date's Parquet under the output prefix (date only, never a timestamp). */
export const OUTPUT_FOLDER_PREFIX = 'merged-parquet-';
export const PARTITION_COLUMN = 'date';
export const PROJECTION_RANGE = '2020-01-01,NOW';

/**
 * Columns of the Athena table: the common fields of the seed-format generator's records
 * (handlers/domain/generator.ts), typed as the Glue job's schema policy types them (docs/glue.md,
 * glue/ndjson_parquet/schema.py: numbers -> double, strings -> string, objects/arrays -> JSON text in a
 * string), plus the job's bookkeeping columns. Fields other producers add are in the Parquet files too
 * (the job keeps a column registry per output prefix); declare them here to query them. Athena reads
 * Parquet columns by name, so a column missing from a file reads as NULL. `date` is the partition column
 * (the files also carry it; the projected value is the one Athena uses).
 */
export const CATALOG_COLUMNS: readonly { name: string; type: string; comment: string }[] = Object.freeze([
  { name: 'id', type: 'string', comment: 'record id (uuid)' },
  { name: 'timestamp', type: 'string', comment: 'event time, ISO-8601 UTC, as in the NDJSON' },
  { name: 'user_id', type: 'string', comment: 'user id' },
  { name: 'session_id', type: 'string', comment: 'session id' },
  { name: 'event_type', type: 'string', comment: 'event type' },
  { name: 'page', type: 'string', comment: 'page' },
  { name: 'device', type: 'string', comment: 'device' },
  { name: 'country', type: 'string', comment: 'country code' },
  { name: 'revenue', type: 'double', comment: 'revenue (0 unless a purchase)' },
  { name: 'quantity', type: 'double', comment: 'quantity (JSON numbers are stored as double)' },
  { name: 'custom_data', type: 'string', comment: 'nested object, as JSON text' },
  { name: '_rescued_data', type: 'map<string,string>', comment: 'values that did not fit their column, as JSON text' },
  { name: '_source_file', type: 'string', comment: 's3:// URI of the NDJSON file' },
  { name: '_source_line', type: 'bigint', comment: '1-based line in that file' },
]);

/** Glue database names: lower-case letters, digits and underscores. */
export function catalogDatabaseName(baseName: string): string {
  return baseName.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

export const CATALOG_TABLE_NAME = 'merged_parquet';

/** The table parameters that make Athena compute partitions from the query instead of a crawler. */
export function partitionProjectionParameters(outputBucket: string, outputPrefix: string): Record<string, string> {
  return {
    EXTERNAL: 'TRUE',
    classification: 'parquet',
    'projection.enabled': 'true',
    [`projection.${PARTITION_COLUMN}.type`]: 'date',
    [`projection.${PARTITION_COLUMN}.format`]: 'yyyy-MM-dd',
    [`projection.${PARTITION_COLUMN}.range`]: PROJECTION_RANGE,
    [`projection.${PARTITION_COLUMN}.interval`]: '1',
    [`projection.${PARTITION_COLUMN}.interval.unit`]: 'DAYS',
    'storage.location.template': `s3://${outputBucket}/${outputPrefix}${OUTPUT_FOLDER_PREFIX}\${${PARTITION_COLUMN}}/`,
  };
}

export interface CatalogArgs {
  config: StackConfig;
  outputBucketName: pulumi.Input<string>;
}

/** Glue Catalog database + table over the Parquet output, queryable from Athena with no crawler. */
export class Catalog extends pulumi.ComponentResource {
  readonly database: aws.glue.CatalogDatabase;
  readonly table: aws.glue.CatalogTable;

  constructor(name: string, args: CatalogArgs, opts?: pulumi.ComponentResourceOptions) {
    super(componentType('catalog', 'Catalog'), name, {}, opts);
    const { outputPrefix } = args.config;

    this.database = new aws.glue.CatalogDatabase(
      `${name}-database`,
      { name: catalogDatabaseName(name), description: 'ndjson-parquet: merged Parquet output' },
      { parent: this },
    );

    this.table = new aws.glue.CatalogTable(
      `${name}-table`,
      {
        databaseName: this.database.name,
        name: CATALOG_TABLE_NAME,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: `${date}` is Athena's projection placeholder, shown as written.
        description: 'Merged Parquet, one folder per date (partition projection over merged-parquet-${date})',
        tableType: 'EXTERNAL_TABLE',
        parameters: pulumi.output(args.outputBucketName).apply((bucket) => partitionProjectionParameters(bucket, outputPrefix)),
        partitionKeys: [{ name: PARTITION_COLUMN, type: 'string', comment: 'UTC date, YYYY-MM-DD' }],
        storageDescriptor: {
          location: pulumi.interpolate`s3://${args.outputBucketName}/${outputPrefix}`,
          inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
          serDeInfo: {
            name: 'parquet',
            serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
            parameters: { 'serialization.format': '1' },
          },
          columns: CATALOG_COLUMNS.map((c) => ({ ...c })),
        },
      },
      { parent: this },
    );

    this.registerOutputs({ database: this.database.name, table: this.table.name });
  }
}
