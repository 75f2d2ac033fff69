import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { PROJECT_ROOT } from '../../local/projectRoot';
import { loadStackFile } from '../../local/resources';

/** Pulumi.dev.yaml with `schema.columns` added, written to a temporary Pulumi.<stack>.yaml. */
async function devWithColumns(columns: Record<string, string>, name = 'Pulumi.try.yaml'): Promise<string> {
  const document = parseYaml(await readFile(join(PROJECT_ROOT, 'Pulumi.dev.yaml'), 'utf8'));
  document.config['ndjson-parquet:pipeline'].schema = { columns };
  const path = join(await mkdtemp(join(tmpdir(), 'stack-file-')), name);
  await writeFile(path, toYaml(document));
  return path;
}

describe('loadStackFile (local --stack-file)', () => {
  it("reads a stack file anywhere, validated as the stack's own, named after its <stack>", async () => {
    // Prepare
    const path = await devWithColumns({ items_viewed: 'bigint', amount: 'decimal(12,2)' });

    // Act
    const loaded = await loadStackFile(path);

    // Assert
    expect(loaded.stack).toBe('try');
    expect(loaded.region).toBe('us-east-1');
    expect(loaded.config.schema.columns).toEqual({ items_viewed: 'bigint', amount: 'decimal(12,2)' });
  });

  it('refuses a bad declared type with the key that holds it', async () => {
    // Prepare
    const path = await devWithColumns({ amount: 'decimal(40,2)' }, 'mine.yaml');

    // Act / Assert
    await expect(loadStackFile(path)).rejects.toThrow(/ndjson-parquet:pipeline\.schema\.columns\.amount/);
  });
});
