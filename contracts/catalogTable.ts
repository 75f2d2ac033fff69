/**
 * The Glue Data Catalog table over the Parquet output, as one pure definition: the stack creates it
 * (pulumi/components/catalog.ts) and the local runtime creates the same table in the emulator
 * (local/resources.ts), so both start from the declared columns (`schema.columns`) and the bookkeeping
 * columns. Columns the job's registry adds later reach the table through the job's sync
 * (glue/ndjson_parquet/catalog.py), which maps registry types to catalog types by the same table as
 * catalogType here. The shape is the Glue API's TableInput
 * (https://docs.aws.amazon.com/glue/latest/webapi/API_TableInput.html).
 */

/** Folder of one date's Parquet under the output prefix (date only, never a timestamp). */
export const OUTPUT_FOLDER_PREFIX = 'merged-parquet-';
export const PARTITION_COLUMN = 'date';
export const PROJECTION_RANGE = '2020-01-01,NOW';
export const CATALOG_TABLE_NAME = 'merged_parquet';

export class CatalogTypeError extends Error {
  override readonly name = 'CatalogTypeError';
  constructor(
    message: string,
    readonly column: string,
    readonly type: string,
  ) {
    super(message);
  }
}

export interface CatalogColumn {
  Name: string;
  Type: string;
  Comment: string;
}

export interface CatalogTableInput {
  Name: string;
  Description: string;
  TableType: 'EXTERNAL_TABLE';
  Parameters: Record<string, string>;
  PartitionKeys: CatalogColumn[];
  StorageDescriptor: {
    Location: string;
    InputFormat: string;
    OutputFormat: string;
    SerdeInfo: { Name: string; SerializationLibrary: string; Parameters: Record<string, string> };
    Columns: CatalogColumn[];
  };
}

/** The job's own columns, in every file (glue/ndjson_parquet/schema.py RESERVED). */
export const BOOKKEEPING_COLUMNS: readonly CatalogColumn[] = Object.freeze([
  { Name: '_rescued_data', Type: 'map<string,string>', Comment: 'values that did not fit their column, as JSON text' },
  { Name: '_source_file', Type: 'string', Comment: 's3:// URI of the NDJSON file' },
  { Name: '_source_line', Type: 'bigint', Comment: '1-based line in that file' },
]);

const SIMPLE_TYPES: Record<string, string> = {
  string: 'string',
  boolean: 'boolean',
  bigint: 'bigint',
  double: 'double',
  date: 'date',
  timestamp: 'timestamp',
  // How the NDJSON writes a timestamp does not change what Parquet and Athena hold: a UTC timestamp.
  'timestamp(epoch_s)': 'timestamp',
  'timestamp(epoch_ms)': 'timestamp',
  // JSON text in a string column (docs/glue.md, Schema policy).
  json: 'string',
};

/** The Athena/Glue type of a declared (or registered) column type. */
export function catalogType(column: string, type: string): string {
  const simple = SIMPLE_TYPES[type];
  if (simple) return simple;
  if (/^decimal\(\d+,\d+\)$/.test(type)) return type;
  throw new CatalogTypeError(`column ${column}: no catalog type for "${type}"`, column, type);
}

/** Glue database names: lower-case letters, digits and underscores. */
export function catalogDatabaseName(baseName: string): string {
  return baseName.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

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

/**
 * The declared columns (sorted by name, as the registry lists them) and then the bookkeeping columns. Athena
 * reads Parquet columns by name, so the order is cosmetic and a column missing from a file reads as NULL.
 */
export function catalogColumns(declared: Readonly<Record<string, string>>): CatalogColumn[] {
  const columns = Object.keys(declared)
    .sort()
    .map((name) => ({ Name: name, Type: catalogType(name, declared[name]!), Comment: `declared: ${declared[name]}` }));
  return [...columns, ...BOOKKEEPING_COLUMNS.map((c) => ({ ...c }))];
}

export function catalogTableInput(args: {
  outputBucket: string;
  outputPrefix: string;
  declared: Readonly<Record<string, string>>;
}): CatalogTableInput {
  return {
    Name: CATALOG_TABLE_NAME,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: `${date}` is Athena's projection placeholder, shown as written.
    Description: 'Merged Parquet, one folder per date (partition projection over merged-parquet-${date})',
    TableType: 'EXTERNAL_TABLE',
    Parameters: partitionProjectionParameters(args.outputBucket, args.outputPrefix),
    // `date` is the partition column (the files also carry it; the projected value is the one Athena uses).
    PartitionKeys: [{ Name: PARTITION_COLUMN, Type: 'string', Comment: 'UTC date, YYYY-MM-DD' }],
    StorageDescriptor: {
      Location: `s3://${args.outputBucket}/${args.outputPrefix}`,
      InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      SerdeInfo: {
        Name: 'parquet',
        SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
        Parameters: { 'serialization.format': '1' },
      },
      Columns: catalogColumns(args.declared),
    },
  };
}

/** The ARNs Glue authorises a table's Data Catalog calls on: the catalog, the database and the table. */
export function catalogTableArns(
  parts: { partition: string; region: string; accountId: string },
  database: string,
  table: string,
): { catalog: string; database: string; table: string } {
  const base = `arn:${parts.partition}:glue:${parts.region}:${parts.accountId}`;
  return { catalog: `${base}:catalog`, database: `${base}:database/${database}`, table: `${base}:table/${database}/${table}` };
}
