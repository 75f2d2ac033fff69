/**
 * IAM policy documents as plain data. Every function in pulumi/policies is pure: plain strings (ARNs,
 * prefixes) in, a PolicyDocument out, so the whole permission model is unit-testable without Pulumi.
 * Components resolve their Outputs first and call these inside `apply`.
 */

export type ConditionBlock = Record<string, Record<string, string | string[] | boolean | number>>;

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Principal?: '*' | { AWS?: string | string[]; Service?: string | string[] };
  Action: string[];
  Resource?: string[];
  Condition?: ConditionBlock;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/**
 * Grants no local path exercises (`npm run -s check:iam` runs them all) and why each stays: keyed by
 * `<Sid>/<action>` (one grant) or `<Sid>` (every action of the statement), one line of reason each. A
 * key that names no grant of its builder's policy fails test/unit/iamGrantUsage.test.ts.
 */
export type UnusedLocally = Readonly<Record<string, string>>;

export function policyDocument(...statements: PolicyStatement[]): PolicyDocument {
  const sids = new Set<string>();
  for (const statement of statements) {
    if (sids.has(statement.Sid)) throw new Error(`duplicate policy statement Sid "${statement.Sid}"`);
    sids.add(statement.Sid);
  }
  return { Version: '2012-10-17', Statement: statements };
}

export function allow(Sid: string, Action: string[], Resource: string[], Condition?: ConditionBlock): PolicyStatement {
  return Condition ? { Sid, Effect: 'Allow', Action, Resource, Condition } : { Sid, Effect: 'Allow', Action, Resource };
}

/**
 * Actions AWS does not let a policy scope to a resource: a statement may name Resource "*" only when every
 * one of its actions is listed here (each is documented with "*" as its only resource type).
 */
/** Step Functions -> CloudWatch Logs vended log delivery (the documented policy for state machine logging). */
export const STATE_MACHINE_LOG_DELIVERY_ACTIONS = [
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
] as const;

export const ACTIONS_WITHOUT_RESOURCE_SCOPE: ReadonlySet<string> = new Set([
  ...STATE_MACHINE_LOG_DELIVERY_ACTIONS,
  // Glue job metrics; narrowed by a cloudwatch:namespace condition instead.
  'cloudwatch:PutMetricData',
]);

/** `arn:aws:s3:::bucket` + key pattern. An empty prefix means the whole bucket's objects. */
export function objectArn(bucketArn: string, keyPrefix: string): string {
  return `${bucketArn}/${keyPrefix}*`;
}

/** Execution ARNs of a state machine: arn:...:states:r:a:stateMachine:name -> arn:...:states:r:a:execution:name:* */
export function executionArnPattern(stateMachineArn: string): string {
  const marker = ':stateMachine:';
  const at = stateMachineArn.indexOf(marker);
  if (at === -1) throw new Error(`not a state machine ARN: ${stateMachineArn}`);
  return `${stateMachineArn.slice(0, at)}:execution:${stateMachineArn.slice(at + marker.length)}:*`;
}

/** Log streams of a log group (CreateLogStream/PutLogEvents are authorised on the stream). */
export function logStreamsArn(logGroupArn: string): string {
  return logGroupArn.endsWith(':*') ? logGroupArn : `${logGroupArn}:*`;
}

export function logGroupArn(parts: { partition: string; region: string; accountId: string }, name: string): string {
  return `arn:${parts.partition}:logs:${parts.region}:${parts.accountId}:log-group:${name}`;
}
