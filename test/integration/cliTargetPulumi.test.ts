import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveTarget } from '../../operator/target/resolveTarget';
import { DEV_STACK_OUTPUTS } from '../support/stackOutputs';

/** resolveTarget's one child process: the Pulumi CLI, asked for a stack's outputs (a stand-in on PATH here). */

const outputs = DEV_STACK_OUTPUTS;

describe('resolveTarget with the Pulumi CLI', () => {
  it("asks the Pulumi CLI for a stack's outputs when it is installed", async () => {
    // Prepare: a `pulumi` on PATH that answers `stack output --json --stack dev` as the real one does
    const bin = await mkdtemp(join(tmpdir(), 'cli-pulumi-'));
    await writeFile(
      join(bin, 'pulumi'),
      `#!/bin/sh\n[ "$*" = "stack output --json --stack dev" ] || { echo "unexpected: $*" >&2; exit 1; }\necho '${JSON.stringify(outputs)}'\n`,
    );
    await chmod(join(bin, 'pulumi'), 0o755);
    const path = process.env.PATH;
    process.env.PATH = `${bin}${delimiter}${path}`;

    // Act
    const target = await resolveTarget({ stack: 'dev' }, { env: {} }).finally(() => (process.env.PATH = path));
    target.close();

    // Assert
    expect(target).toMatchObject({
      kind: 'aws',
      description: 'stack dev (us-east-1)',
      config: { tableName: 'np-dev-tracking', maxBatchFiles: 10 },
    });
  });
});
