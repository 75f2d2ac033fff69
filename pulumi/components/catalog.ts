import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { CATALOG_TABLE_NAME, type CatalogColumn, catalogDatabaseName, catalogTableInput } from '../../contracts/catalogTable';
import type { StackConfig } from '../../contracts/stackConfig';
import { componentType } from './common';

export interface CatalogArgs {
  config: StackConfig;
  outputBucketName: pulumi.Input<string>;
}

const column = (c: CatalogColumn) => ({ name: c.Name, type: c.Type, comment: c.Comment });

/**
 * Glue Catalog database + table over the Parquet output, queryable from Athena with no crawler. The table
 * starts with the declared columns and the bookkeeping columns (contracts/catalogTable.ts); the Glue job
 * adds every column its registry learns (glue/ndjson_parquet/catalog.py), so the stack ignores changes to
 * the columns: a redeploy must not drop what the job added, and a column declared later reaches the table
 * through the job, which registers declared columns before any data.
 */
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

    const input = pulumi
      .output(args.outputBucketName)
      .apply((outputBucket) => catalogTableInput({ outputBucket, outputPrefix, declared: args.config.schema.columns }));
    this.table = new aws.glue.CatalogTable(
      `${name}-table`,
      {
        databaseName: this.database.name,
        name: CATALOG_TABLE_NAME,
        description: input.Description,
        tableType: input.TableType,
        parameters: input.Parameters,
        partitionKeys: input.PartitionKeys.apply((keys) => keys.map(column)),
        storageDescriptor: input.StorageDescriptor.apply((sd) => ({
          location: sd.Location,
          inputFormat: sd.InputFormat,
          outputFormat: sd.OutputFormat,
          serDeInfo: {
            name: sd.SerdeInfo.Name,
            serializationLibrary: sd.SerdeInfo.SerializationLibrary,
            parameters: sd.SerdeInfo.Parameters,
          },
          columns: sd.Columns.map(column),
        })),
      },
      { parent: this, ignoreChanges: ['storageDescriptor.columns'] },
    );

    this.registerOutputs({ database: this.database.name, table: this.table.name });
  }
}
