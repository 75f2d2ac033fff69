import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CatalogTypeError, catalogColumns, catalogTableArns, catalogTableInput, catalogType } from '../../contracts/catalogTable';
import { ConfigError, parseStackConfig } from '../../contracts/stackConfig';

describe('the catalog table definition', () => {
  it('holds the declared columns, as catalog types and sorted, then the bookkeeping columns; never `date`', () => {
    // Arrange
    const declared = {
      shipped_at: 'timestamp',
      amount: 'decimal(12,2)',
      items_viewed: 'bigint',
      meta: 'json',
      seen: 'timestamp(epoch_ms)',
    };
    // Act
    const input = catalogTableInput({ outputBucket: 'out', outputPrefix: 'pipeline/output/', declared });
    // Assert
    expect(input.StorageDescriptor.Columns.map((c) => [c.Name, c.Type])).toEqual([
      ['amount', 'decimal(12,2)'],
      ['items_viewed', 'bigint'],
      ['meta', 'string'],
      ['seen', 'timestamp'],
      ['shipped_at', 'timestamp'],
      ['_rescued_data', 'map<string,string>'],
      ['_source_file', 'string'],
      ['_source_line', 'bigint'],
    ]);
    expect(input.PartitionKeys).toEqual([{ Name: 'date', Type: 'string', Comment: 'UTC date, YYYY-MM-DD' }]);
    expect(input.StorageDescriptor.Location).toBe('s3://out/pipeline/output/');
    expect(input.Parameters['storage.location.template']).toBe('s3://out/pipeline/output/merged-parquet-${date}/');
  });

  it('holds only the bookkeeping columns when nothing is declared (no producer field is hard-coded)', () => {
    // Arrange / Act
    const names = catalogColumns({}).map((c) => c.Name);
    // Assert
    expect(names).toEqual(['_rescued_data', '_source_file', '_source_line']);
  });

  it('maps every decimal(p,s) to itself and refuses a type it does not know', () => {
    // Arrange
    const decimals = fc.integer({ min: 1, max: 38 }).chain((p) => fc.integer({ min: 0, max: p }).map((s) => `decimal(${p},${s})`));
    // Act / Assert
    fc.assert(fc.property(decimals, (type) => catalogType('x', type) === type));
    expect(() => catalogType('amount', 'float')).toThrow(CatalogTypeError);
  });

  it('names the catalog, the database and the table ARN Glue authorises a table call on', () => {
    // Arrange / Act
    const arns = catalogTableArns({ partition: 'aws', region: 'eu-west-1', accountId: '111122223333' }, 'np_dev', 'merged_parquet');
    // Assert
    expect(arns).toEqual({
      catalog: 'arn:aws:glue:eu-west-1:111122223333:catalog',
      database: 'arn:aws:glue:eu-west-1:111122223333:database/np_dev',
      table: 'arn:aws:glue:eu-west-1:111122223333:table/np_dev/merged_parquet',
    });
  });
});

describe('schema.columns in the stack config', () => {
  it('accepts every declared type and decimal(p,s) with 1 <= p <= 38, 0 <= s <= p', () => {
    // Arrange
    const columns = {
      a: 'string',
      b: 'boolean',
      c: 'bigint',
      d: 'double',
      e: 'date',
      f: 'timestamp',
      g: 'timestamp(epoch_s)',
      h: 'timestamp(epoch_ms)',
      i: 'json',
      j: 'decimal(38,38)',
      k: 'decimal(1,0)',
    };
    // Act
    const config = parseStackConfig({ schema: { columns } }, 'dev');
    // Assert
    expect(config.schema.columns).toEqual(columns);
    expect(parseStackConfig({}, 'dev').schema.columns).toEqual({});
  });

  it.each([
    ['float', 'unknown type "float"'],
    ['decimal(39,2)', 'the precision must be 1 to 38'],
    ['decimal(0,0)', 'the precision must be 1 to 38'],
    ['decimal(4,5)', 'the scale must be 0 to the precision (4)'],
  ])('refuses %s with an error naming the key', (type, message) => {
    // Arrange
    const raw = { schema: { columns: { amount: type } } };
    // Act
    let error: unknown;
    try {
      parseStackConfig(raw, 'dev');
    } catch (caught) {
      error = caught;
    }
    // Assert
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      { key: 'ndjson-parquet:pipeline.schema.columns.amount', message: expect.stringContaining(message) },
    ]);
  });
});
