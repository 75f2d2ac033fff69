import { describe, expect, it } from 'vitest';
import { catalogTableArns } from '../../contracts/catalogTable';
import {
  ACTIONS_WITHOUT_RESOURCE_SCOPE,
  alarmTopicKeyPolicy,
  ancestorKeys,
  assumeRolePolicy,
  batcherPolicy,
  eventsToKinesisPolicy,
  executionArnPattern,
  generatorPolicy,
  glueJobPolicy,
  objectCreatedPattern,
  type PolicyDocument,
  policyDocument,
  ruleDeadLetterQueuePolicy,
  stateMachinePolicy,
  sweeperPolicy,
  tlsOnlyBucketPolicy,
} from '../../pulumi/policies';
import { policyViolations } from './support/policyChecks';

const A = '123456789012';
const arns = {
  logGroupArn: `arn:aws:logs:us-east-1:${A}:log-group:/aws/lambda/np-dev-batcher`,
  inputBucketArn: 'arn:aws:s3:::np-dev-input-x',
  inputPrefix: 'pipeline/input/',
  quarantineBucketArn: 'arn:aws:s3:::np-dev-quarantine-x',
  manifestBucketArn: 'arn:aws:s3:::np-dev-manifest-x',
  tableArn: `arn:aws:dynamodb:us-east-1:${A}:table/np-dev-tracking`,
  stateMachineArn: `arn:aws:states:us-east-1:${A}:stateMachine:np-dev-manifest`,
  streamArn: `arn:aws:kinesis:us-east-1:${A}:stream/np-dev-ingest`,
  dlqArn: `arn:aws:sqs:us-east-1:${A}:np-dev-batcher-dlq`,
};
const glueArns = {
  inputBucketArn: arns.inputBucketArn,
  inputPrefix: arns.inputPrefix,
  manifestBucketArn: arns.manifestBucketArn,
  outputBucketArn: 'arn:aws:s3:::np-dev-output-x',
  outputPrefix: 'pipeline/output/',
  rejectsPrefix: 'pipeline/rejects/',
  stagingPrefix: 'pipeline/staging/',
  scriptsBucketArn: 'arn:aws:s3:::np-dev-scripts-x',
  scriptsPrefix: 'glue/',
  logGroupArns: [
    `arn:aws:logs:us-east-1:${A}:log-group:/aws-glue/np-dev-glue/output`,
    `arn:aws:logs:us-east-1:${A}:log-group:/aws-glue/np-dev-glue/error`,
  ],
  catalogArns: catalogTableArns({ partition: 'aws', region: 'us-east-1', accountId: A }, 'np_dev', 'merged_parquet'),
};
const owned = [
  ...Object.values(arns).filter((v) => v.startsWith('arn:')),
  executionArnPattern(arns.stateMachineArn).slice(0, -2),
  glueArns.outputBucketArn,
  glueArns.scriptsBucketArn,
  ...glueArns.logGroupArns,
  ...Object.values(glueArns.catalogArns),
  `arn:aws:glue:us-east-1:${A}:job/np-dev-glue`,
];

describe('policy builders are least-privilege', () => {
  const documents: [string, PolicyDocument][] = [
    ['batcher', batcherPolicy(arns)],
    ['sweeper', sweeperPolicy(arns)],
    ['generator', generatorPolicy(arns)],
    ['glue', glueJobPolicy(glueArns)],
    ['state machine', stateMachinePolicy({ tableArn: arns.tableArn, glueJobArn: `arn:aws:glue:us-east-1:${A}:job/np-dev-glue` })],
    ['events -> kinesis', eventsToKinesisPolicy(arns.streamArn)],
  ];

  it.each(documents)('%s: no wildcard action, no "*" where a scoped resource exists, nothing outside the stack', (_name, doc) => {
    // Arrange
    const allowed = doc.Statement.filter((s) => s.Effect === 'Allow');
    // Act
    const violations = policyViolations(doc, 'identity', owned);
    // Assert
    expect(allowed.length).toBeGreaterThan(0);
    expect(violations).toEqual([]);
  });

  it('the checker itself catches wildcard actions, stray "*" resources and foreign ARNs', () => {
    // Arrange
    const bad = policyDocument(
      { Sid: 'A', Effect: 'Allow', Action: ['s3:Get*'], Resource: [`${arns.inputBucketArn}/*`] },
      { Sid: 'B', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: ['*'] },
      { Sid: 'C', Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::someone-else/*'] },
      { Sid: 'D', Effect: 'Deny', Principal: '*', Action: ['s3:*'], Resource: ['*'] },
    );
    // Act
    const violations = policyViolations(bad, 'identity', owned);
    // Assert
    expect(violations).toEqual([
      'A: wildcard action s3:Get*',
      'B: Resource "*" for scopable actions sqs:SendMessage',
      "C: resource arn:aws:s3:::someone-else/* is not one of this stack's",
    ]);
  });

  it('only lists unscopable actions that really are (log delivery, PutMetricData)', () => {
    // Arrange / Act
    const services = new Set([...ACTIONS_WITHOUT_RESOURCE_SCOPE].map((a) => a.split(':')[0]));
    // Assert
    expect([...services].sort()).toEqual(['cloudwatch', 'logs']);
    expect(ACTIONS_WITHOUT_RESOURCE_SCOPE.has('logs:PutLogEvents')).toBe(false);
  });

  it("gives the Glue job PutObject under logs/glue/ of the manifest bucket (the seed's AccessDenied)", () => {
    // Arrange
    const doc = glueJobPolicy(glueArns);
    // Act
    const statement = doc.Statement.find((s) => s.Resource?.includes(`${arns.manifestBucketArn}/logs/glue/*`));
    // Assert
    expect(statement?.Action).toEqual(['s3:PutObject']);
  });

  it('scopes Glue listing of the input bucket to the input prefix; the output bucket is all its own', () => {
    // Arrange
    const doc = glueJobPolicy(glueArns);
    // Act
    const list = doc.Statement.filter((s) => s.Action.includes('s3:ListBucket'));
    // Assert
    expect(list.map((s) => [s.Resource, s.Condition])).toEqual([
      [[glueArns.inputBucketArn], { StringLike: { 's3:prefix': ['pipeline/input/*'] } }],
      [[glueArns.outputBucketArn], undefined],
    ]);
  });

  it('lets Hadoop probe the directory keys above the output prefixes, and nothing else there', () => {
    // Arrange
    const prefixes = ['pipeline/output/', 'pipeline/rejects/', 'pipeline/staging/'];
    // Act
    const keys = ancestorKeys(prefixes);
    // Assert
    expect(keys).toEqual(['pipeline', 'pipeline/', 'pipeline/output', 'pipeline/rejects', 'pipeline/staging']);
    expect(ancestorKeys([''])).toEqual([]);
  });

  it('refuses two statements with one Sid', () => {
    // Arrange
    const statement = { Sid: 'Same', Effect: 'Allow' as const, Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::b/*'] };
    // Act
    const build = () => policyDocument(statement, statement);
    // Assert
    expect(build).toThrow(/duplicate policy statement Sid "Same"/);
  });
});

describe('small policy helpers', () => {
  it('derives the execution ARN pattern of a state machine', () => {
    // Arrange
    const machine = 'arn:aws:states:eu-west-1:123456789012:stateMachine:np-prod-manifest';
    // Act
    const pattern = executionArnPattern(machine);
    // Assert
    expect(pattern).toBe('arn:aws:states:eu-west-1:123456789012:execution:np-prod-manifest:*');
    expect(() => executionArnPattern('arn:aws:sqs:x')).toThrow(/not a state machine ARN/);
  });

  it('matches Object Created of one bucket, under the prefix when there is one', () => {
    // Arrange / Act
    const withPrefix = objectCreatedPattern('in-bucket', 'pipeline/input/');
    const whole = objectCreatedPattern('in-bucket', '');
    // Assert
    expect(withPrefix).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: ['in-bucket'] }, object: { key: [{ prefix: 'pipeline/input/' }] } },
    });
    expect(whole).toEqual({ source: ['aws.s3'], 'detail-type': ['Object Created'], detail: { bucket: { name: ['in-bucket'] } } });
  });

  it('denies plain HTTP and old TLS on a bucket and its objects', () => {
    // Arrange / Act
    const doc = tlsOnlyBucketPolicy('arn:aws:s3:::b');
    // Assert
    expect(doc.Statement.map((s) => [s.Effect, s.Condition])).toEqual([
      ['Deny', { Bool: { 'aws:SecureTransport': 'false' } }],
      ['Deny', { NumericLessThan: { 's3:TlsVersion': '1.2' } }],
    ]);
    for (const s of doc.Statement) expect(s.Resource).toEqual(['arn:aws:s3:::b', 'arn:aws:s3:::b/*']);
  });

  it('lets only our rule send to the EventBridge DLQ', () => {
    // Arrange / Act
    const doc = ruleDeadLetterQueuePolicy(arns.dlqArn, `arn:aws:events:us-east-1:${A}:rule/r`);
    // Assert
    expect(doc.Statement[0]?.Condition).toEqual({ ArnEquals: { 'aws:SourceArn': `arn:aws:events:us-east-1:${A}:rule/r` } });
    expect(policyViolations(doc, 'resource', owned)).toEqual([]);
  });

  it('administers the alarm key through IAM with named actions only', () => {
    // Arrange / Act
    const doc = alarmTopicKeyPolicy({ partition: 'aws', accountId: A });
    // Assert
    expect(policyViolations(doc, 'key', [])).toEqual([]);
    expect(doc.Statement[0]?.Principal).toEqual({ AWS: `arn:aws:iam::${A}:root` });
    expect(doc.Statement[0]?.Action).toContain('kms:PutKeyPolicy');
    expect(doc.Statement[1]?.Principal).toEqual({ Service: 'cloudwatch.amazonaws.com' });
  });

  it('pins trust to the account when the service passes aws:SourceAccount', () => {
    // Arrange / Act
    const pinned = assumeRolePolicy('states.amazonaws.com', A);
    const plain = assumeRolePolicy('lambda.amazonaws.com');
    // Assert
    expect(pinned.Statement[0]?.Condition).toEqual({ StringEquals: { 'aws:SourceAccount': A } });
    expect(plain.Statement[0]?.Condition).toBeUndefined();
    expect(plain.Statement[0]?.Action).toEqual(['sts:AssumeRole']);
  });
});
