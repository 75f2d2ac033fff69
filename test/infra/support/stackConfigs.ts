import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { CONFIG_KEY, CONFIG_NAMESPACE, parseStackConfig, type StackConfig } from '../../../contracts/stackConfig';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export type StackName = 'dev' | 'prod';

/** The raw `ndjson-parquet:pipeline` object of Pulumi.<stack>.yaml, as `pulumi config` would hand it over. */
export function rawStackConfig(stack: StackName): Record<string, unknown> {
  const file = parse(readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), 'utf8')) as { config: Record<string, unknown> };
  const raw = file.config[`${CONFIG_NAMESPACE}:${CONFIG_KEY}`];
  if (!raw || typeof raw !== 'object') throw new Error(`Pulumi.${stack}.yaml has no ${CONFIG_NAMESPACE}:${CONFIG_KEY} object`);
  return raw as Record<string, unknown>;
}

/** The alarm address docs/deploy.md has an operator set on prod before its first `pulumi up` (none is shipped). */
export const PROD_ALARM_EMAIL = 'data-oncall@example.com';

/**
 * The stack's config as deployed: the file plus what docs/deploy.md tells the operator to set with
 * `pulumi config set --path` (prod: observability.alarmEmail, required and never shipped).
 */
export function deployedRawStackConfig(stack: StackName): Record<string, unknown> {
  const raw = rawStackConfig(stack);
  if (stack !== 'prod') return raw;
  return { ...raw, observability: { ...(raw.observability as object), alarmEmail: PROD_ALARM_EMAIL } };
}

export function stackConfig(stack: StackName): StackConfig {
  return parseStackConfig(deployedRawStackConfig(stack), stack);
}

export function stackRegion(stack: StackName): string {
  const file = parse(readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), 'utf8')) as { config: Record<string, unknown> };
  return String(file.config['aws:region'] ?? 'us-east-1');
}
