import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { TargetError } from '../operatorError';

/**
 * The stack outputs pulumi/index.ts exports, read from `pulumi stack output --json` or a file holding
 * that command's output (for machines without the Pulumi CLI, e.g. CI with read-only credentials).
 */

export interface StackOutputs {
  tableName?: string;
  inputBucketName?: string;
  inputPrefix?: string;
  quarantineBucketName?: string;
  manifestBucketName?: string;
  outputBucketName?: string;
  stateMachineArn?: string;
  glueJobName?: string;
  streamName?: string;
  dashboardUrl?: string;
  ingestDlqUrl?: string;
  batcherDlqUrl?: string;
}

function asOutputs(value: unknown, source: string): StackOutputs {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new TargetError(`${source} is not a JSON object of stack outputs`);
  const outputs: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) if (typeof entry === 'string') outputs[key] = entry;
  return outputs;
}

export async function readOutputsFile(path: string): Promise<StackOutputs> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new TargetError(`cannot read stack outputs file ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return asOutputs(JSON.parse(text), path);
  } catch (error) {
    if (error instanceof TargetError) throw error;
    throw new TargetError(`${path} is not valid JSON (expected the output of \`pulumi stack output --json\`)`, { cause: error });
  }
}

export function pulumiStackOutputs(stack: string, cwd: string): StackOutputs {
  const run = spawnSync('pulumi', ['stack', 'output', '--json', '--stack', stack], { cwd, encoding: 'utf8', timeout: 60_000 });
  if (run.error && (run.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new TargetError(
      `the Pulumi CLI is not installed, so stack ${stack}'s outputs cannot be read: pass --outputs FILE ` +
        `(written elsewhere by \`pulumi stack output --json --stack ${stack} > ${stack}.json\`) or name the resources with --table, --input-bucket, ...`,
    );
  }
  if (run.status !== 0) {
    throw new TargetError(
      `\`pulumi stack output --json --stack ${stack}\` failed: ${(run.stderr || run.stdout || String(run.error)).trim()}`,
    );
  }
  try {
    return asOutputs(JSON.parse(run.stdout), `pulumi stack output --stack ${stack}`);
  } catch (error) {
    if (error instanceof TargetError) throw error;
    throw new TargetError(`pulumi printed something other than JSON for stack ${stack}'s outputs`, { cause: error });
  }
}
