import * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';
import { METRICS_NAMESPACE, metricsService } from '../../contracts/metrics';
import type { StackConfig } from '../../contracts/stackConfig';
import { batchingSettingsFromStack, lambdaEnvironment, type ResourceNames } from '../../handlers/runtimeConfig';
import { LAMBDA_HANDLER, type LambdaName, lambdaCode } from '../assets';
import { assumeRolePolicy } from '../policies';
import { resolved } from './common';
import { createLogGroup } from './logGroup';
import { createServiceRole } from './serviceRole';

export function powertoolsEnvironment(baseName: string, logLevel: string): Record<string, string> {
  return {
    POWERTOOLS_SERVICE_NAME: metricsService(baseName),
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    POWERTOOLS_LOG_LEVEL: logLevel,
    NODE_OPTIONS: '--enable-source-maps',
  };
}

export type ResourceNameInputs = { [K in keyof ResourceNames]: pulumi.Input<ResourceNames[K]> };

/**
 * The environment of the pipeline Lambdas: resource names (resolved Outputs) and batching settings through
 * `lambdaEnvironment` (handlers/runtimeConfig.ts, shared with the local runtime, so names cannot drift), plus
 * the Powertools variables.
 */
export function pipelineEnvironment(
  config: StackConfig,
  baseName: string,
  names: ResourceNameInputs,
): pulumi.Output<Record<string, string>> {
  return resolved<ResourceNames & Record<string, unknown>>(names).apply((values) => ({
    ...lambdaEnvironment({ ...values, ...batchingSettingsFromStack(config) }),
    ...powertoolsEnvironment(baseName, config.lambda.logLevel),
  }));
}

export interface NodeFunctionArgs {
  lambda: LambdaName;
  description: string;
  config: StackConfig;
  memoryMb: number;
  timeoutSeconds: number;
  environment: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** The execution role's inline policy (JSON), given the function's own log group ARN. */
  policy: (logGroupArn: pulumi.Output<string>) => pulumi.Output<string>;
}

export interface NodeFunction {
  fn: aws.lambda.Function;
  role: aws.iam.Role;
  rolePolicy: aws.iam.RolePolicy;
  logGroup: aws.cloudwatch.LogGroup;
}

/**
 * A bundled Node.js Lambda with its own log group (retention per stack, created first so Lambda never
 * creates an unmanaged one) and its own least-privilege role. `name` is also the function name.
 * Children are parented to the calling component.
 */
export function createNodeFunction(parent: pulumi.Resource, name: string, args: NodeFunctionArgs): NodeFunction {
  const logGroup = createLogGroup(parent, name, {
    logGroupName: `/aws/lambda/${name}`,
    retentionInDays: args.config.observability.logRetentionDays,
  });
  const { role, rolePolicy } = createServiceRole(parent, name, {
    description: args.description,
    assumeRolePolicy: JSON.stringify(assumeRolePolicy('lambda.amazonaws.com')),
    policy: args.policy(logGroup.arn),
  });
  const fn = new aws.lambda.Function(
    name,
    {
      name,
      description: args.description,
      runtime: args.config.lambda.runtime,
      architectures: [args.config.lambda.architecture],
      handler: LAMBDA_HANDLER,
      code: lambdaCode(args.lambda),
      role: role.arn,
      memorySize: args.memoryMb,
      timeout: args.timeoutSeconds,
      environment: { variables: args.environment },
      // With JSON logs Lambda filters application logs itself, at INFO unless told otherwise: without this a
      // dev stack's POWERTOOLS_LOG_LEVEL=DEBUG would emit debug lines that Lambda then drops.
      loggingConfig: { logFormat: 'JSON', logGroup: logGroup.name, applicationLogLevel: args.config.lambda.logLevel },
    },
    { parent, dependsOn: [rolePolicy] },
  );
  return { fn, role, rolePolicy, logGroup };
}
