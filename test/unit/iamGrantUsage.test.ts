import { describe, expect, it } from 'vitest';
import { grantReport, staleReasons, usedButJustified } from '../../local/iam/grantUsage';
import { LOCAL_ROLES, type LocalRole, localRolePolicies, type RoleResources, UNUSED_LOCALLY } from '../../local/iam/roles';
import { loadStackConfig } from '../../local/resources';
import { policyDocument } from '../../pulumi/policies';

const RESOURCES: RoleResources = {
  region: 'us-east-1',
  tableName: 'np-local-tracking',
  inputBucket: 'np-local-input',
  quarantineBucket: 'np-local-quarantine',
  manifestBucket: 'np-local-manifest',
  outputBucket: 'np-local-output',
  stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:np-local',
  streamName: 'np-local-ingest',
  glueJobName: 'np-local-glue',
  batcherFunctionName: 'np-local-batcher',
  sweeperFunctionName: 'np-local-sweeper',
  generatorFunctionName: 'np-local-generator',
  scriptsBucket: 'np-local-scripts',
  catalog: { database: 'np_local', table: 'merged_parquet' },
};

const none = Object.fromEntries(LOCAL_ROLES.map((role) => [role, {}])) as Record<LocalRole, Record<string, string>>;

describe('the reasons a grant stays though no local path uses it', () => {
  it.each(LOCAL_ROLES)('%s: every reason names a grant (or a statement) its policy builder really has', async (role) => {
    // Arrange
    const policies = localRolePolicies(RESOURCES, (await loadStackConfig('dev')).config);
    // Act
    const stale = staleReasons(policies[role], UNUSED_LOCALLY[role]);
    // Assert
    expect(stale).toEqual([]);
  });

  it('a reason whose grant was removed or renamed is reported', () => {
    // Arrange
    const policy = policyDocument({ Sid: 'Read', Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::b/*'] });
    // Act
    const stale = staleReasons(policy, { 'Read/s3:GetObject': 'ok', 'Read/s3:PutObject': 'gone', Write: 'gone' });
    // Assert
    expect(stale).toEqual(['Read/s3:PutObject', 'Write']);
  });

  it('counts an unused grant without a reason as unjustified, and a used grant with one as a reason no longer true', () => {
    // Arrange: batcher grants two actions of one statement and one of another; the run used one
    const policies = localRolePolicies(RESOURCES, {
      inputPrefix: 'in/',
      outputPrefix: 'out/',
      rejectsPrefix: 'rej/',
      stagingPrefix: 'stg/',
    } as never);
    policies.batcher = policyDocument(
      { Sid: 'Read', Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectTagging'], Resource: ['arn:aws:s3:::b/*'] },
      { Sid: 'Logs', Effect: 'Allow', Action: ['logs:PutLogEvents'], Resource: ['arn:aws:logs:us-east-1:1:log-group:x:*'] },
    );
    const usage = new Map([['batcher' as LocalRole, new Map([['s3:GetObject', new Set(['Read'])]])]]);
    const reasons = { ...none, batcher: { Logs: 'the Lambda runtime writes logs', 'Read/s3:GetObject': 'stale' } };

    // Act
    const report = grantReport(policies, usage, reasons);

    // Assert
    expect(report.roles.batcher).toEqual({
      granted: ['Read/s3:GetObject', 'Read/s3:GetObjectTagging', 'Logs/logs:PutLogEvents'],
      used: ['Read/s3:GetObject'],
      unused: [{ grant: 'Read/s3:GetObjectTagging' }, { grant: 'Logs/logs:PutLogEvents', reason: 'the Lambda runtime writes logs' }],
    });
    expect(usedButJustified(report, reasons)).toEqual(['batcher: Read/s3:GetObject']);
    const otherRoles = LOCAL_ROLES.filter((r) => r !== 'batcher').reduce((n, r) => n + report.roles[r].unused.length, 0);
    expect(report.unjustified).toBe(1 + otherRoles);
  });
});
