import * as pulumi from '@pulumi/pulumi';
import { type ResourceNameSet, resourceNames } from '../contracts/resourceNames';
import { CONFIG_KEY, CONFIG_NAMESPACE, parseStackConfigForDeploy, type StackConfig } from '../contracts/stackConfig';

export interface PulumiStack {
  stack: string;
  config: StackConfig;
  names: ResourceNameSet;
}

/** The selected stack's `ndjson-parquet:pipeline` object, validated (a bad value names its key), and its names. */
export function readStack(): PulumiStack {
  const stack = pulumi.getStack();
  const config = parseStackConfigForDeploy(new pulumi.Config(CONFIG_NAMESPACE).requireObject(CONFIG_KEY), stack);
  return { stack, config, names: resourceNames(config.namePrefix, stack) };
}
