import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

/** Package-qualified type tokens of our components: `ndjson-parquet:<module>:<Name>`. */
export function componentType(module: string, name: string): string {
  return `ndjson-parquet:${module}:${name}`;
}

/** The account, region and partition the stack deploys into (resolved once, passed to components). */
export interface AwsContext {
  partition: pulumi.Output<string>;
  region: pulumi.Output<string>;
  accountId: pulumi.Output<string>;
}

export function awsContext(opts?: pulumi.InvokeOutputOptions): AwsContext {
  return {
    partition: aws.getPartitionOutput({}, opts).partition,
    region: aws.getRegionOutput({}, opts).region,
    accountId: aws.getCallerIdentityOutput({}, opts).accountId,
  };
}

/**
 * An object of Inputs resolved into one Output of the same shape (pulumi.all on an object loses the keys'
 * types). The pure policy/dashboard builders are then called inside `apply` with plain values.
 */
export function resolved<T extends Record<string, unknown>>(inputs: { [K in keyof T]: pulumi.Input<T[K]> }): pulumi.Output<T> {
  return pulumi.output(inputs as pulumi.Inputs) as unknown as pulumi.Output<T>;
}
