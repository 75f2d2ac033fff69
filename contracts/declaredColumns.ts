import { z } from 'zod';

/**
 * `schema.columns`: the types a user pins for fields of their data (docs/glue.md, "Declared columns"). The
 * Glue job registers them before any data and converts values to them (glue/ndjson_parquet/declared.py);
 * the catalog table starts with them. A field name must be one the job can make a column of (letters,
 * digits and `_`, as glue/ndjson_parquet/schema.py COLUMN_NAME) and not a bookkeeping column.
 */

export const SIMPLE_COLUMN_TYPES = [
  'string',
  'boolean',
  'bigint',
  'double',
  'date',
  'timestamp',
  'timestamp(epoch_s)',
  'timestamp(epoch_ms)',
  'json',
] as const;

const DECIMAL = /^decimal\((\d{1,2}),(\d{1,2})\)$/;
const FIELD_NAME = /^[A-Za-z0-9_]{1,255}$/;
const RESERVED = new Set(['_rescued_data', '_source_file', '_source_line', 'date']);

/** Why `type` is not a declarable column type, or undefined when it is. */
export function columnTypeProblem(type: string): string | undefined {
  if ((SIMPLE_COLUMN_TYPES as readonly string[]).includes(type)) return undefined;
  const decimal = DECIMAL.exec(type);
  if (!decimal) return `unknown type "${type}": use one of ${SIMPLE_COLUMN_TYPES.join(', ')}, or decimal(p,s)`;
  const [precision, scale] = [Number(decimal[1]), Number(decimal[2])];
  // Athena's and Spark's decimal: precision 1..38, scale 0..precision.
  if (precision < 1 || precision > 38) return `${type}: the precision must be 1 to 38`;
  if (scale > precision) return `${type}: the scale must be 0 to the precision (${precision})`;
  return undefined;
}

/** Why `name` cannot be a declared column, or undefined when it can. */
export function fieldNameProblem(name: string): string | undefined {
  if (!FIELD_NAME.test(name)) return `"${name}" cannot be a column: use 1-255 letters, digits and "_"`;
  if (RESERVED.has(name.toLowerCase())) return `"${name}" is a column the pipeline writes itself`;
  return undefined;
}

export const declaredColumnsSchema = z.record(z.string(), z.string()).superRefine((columns, context) => {
  const seen = new Map<string, string>();
  for (const [name, type] of Object.entries(columns)) {
    const problem = fieldNameProblem(name) ?? columnTypeProblem(type);
    if (problem) context.addIssue({ code: 'custom', path: [name], message: problem });
    // Athena matches column names case-insensitively, so two spellings would be one column.
    const other = seen.get(name.toLowerCase());
    if (other !== undefined)
      context.addIssue({ code: 'custom', path: [name], message: `"${name}" and "${other}" are one column to Athena: keep one` });
    seen.set(name.toLowerCase(), name);
  }
});
