import { beforeAll, describe, expect, it } from 'vitest';
import { catalogType } from '../../../contracts/catalogTable';
import { resourceNames } from '../../../contracts/resourceNames';
import { pendingAgeAlarmSeconds, type StackConfig } from '../../../contracts/stackConfig';
import { dpuHourUsd, glueDefaultArguments } from '../../../handlers/orchestration/glueArguments';
import { glueRunCapacity } from '../../../handlers/orchestration/glueCapacity';
import { capacityResult, stateMachineDefinition } from '../../../handlers/orchestration/stateMachineDefinition';
import { batchingSettingsFromStack, lambdaEnvironment } from '../../../handlers/runtimeConfig';
import { glueAdditionalPythonModules } from '../../../pulumi/assets';
import type { PolicyDocument } from '../../../pulumi/policies';
import { sizedCapacity } from '../../support/sizeGlueRun';
import { countedByRow, documentedCounts } from './deployDoc';
import { policyViolations } from './policyChecks';
import { json, type RecordedResource, runProgram, type StackRun } from './pulumiHarness';
import { deployedRawStackConfig, type StackName, stackConfig, stackRegion } from './stackConfigs';

/**
 * The assertions every stack must pass, run against one recorded mock deployment of `stack`. Each stack
 * has its own test file (one Pulumi runtime per process), which calls this and adds its own differences.
 */

export const T = {
  bucket: 'aws:s3/bucket:Bucket',
  publicAccess: 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock',
  ownership: 'aws:s3/bucketOwnershipControls:BucketOwnershipControls',
  encryption: 'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
  bucketPolicy: 'aws:s3/bucketPolicy:BucketPolicy',
  lifecycle: 'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration',
  versioning: 'aws:s3/bucketVersioning:BucketVersioning',
  notification: 'aws:s3/bucketNotification:BucketNotification',
  object: 'aws:s3/bucketObjectv2:BucketObjectv2',
  stream: 'aws:kinesis/stream:Stream',
  rule: 'aws:cloudwatch/eventRule:EventRule',
  target: 'aws:cloudwatch/eventTarget:EventTarget',
  queue: 'aws:sqs/queue:Queue',
  queuePolicy: 'aws:sqs/queuePolicy:QueuePolicy',
  table: 'aws:dynamodb/table:Table',
  fn: 'aws:lambda/function:Function',
  esm: 'aws:lambda/eventSourceMapping:EventSourceMapping',
  permission: 'aws:lambda/permission:Permission',
  invokeConfig: 'aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig',
  logGroup: 'aws:cloudwatch/logGroup:LogGroup',
  role: 'aws:iam/role:Role',
  rolePolicy: 'aws:iam/rolePolicy:RolePolicy',
  stateMachine: 'aws:sfn/stateMachine:StateMachine',
  glueJob: 'aws:glue/job:Job',
  database: 'aws:glue/catalogDatabase:CatalogDatabase',
  catalogTable: 'aws:glue/catalogTable:CatalogTable',
  dashboard: 'aws:cloudwatch/dashboard:Dashboard',
  alarm: 'aws:cloudwatch/metricAlarm:MetricAlarm',
  topic: 'aws:sns/topic:Topic',
  subscription: 'aws:sns/topicSubscription:TopicSubscription',
  key: 'aws:kms/key:Key',
  alias: 'aws:kms/alias:Alias',
} as const;

export const BUCKET_ROLES = ['input', 'quarantine', 'manifest', 'output', 'scripts'] as const;

export interface StackFixture {
  readonly stack: StackName;
  readonly config: StackConfig;
  readonly base: string;
  run: StackRun;
}

/** Starts the mock deployment of `stack` in a beforeAll and returns the fixture the tests read. */
export function useStack(stack: StackName, load: () => Promise<Record<string, unknown>>): StackFixture {
  const config = stackConfig(stack);
  const fixture = { stack, config, base: resourceNames(config.namePrefix, stack).base } as StackFixture;
  beforeAll(async () => {
    fixture.run = await runProgram({ stack, region: stackRegion(stack), rawConfig: deployedRawStackConfig(stack), load });
  });
  return fixture;
}

export function bucketOf(f: StackFixture, role: (typeof BUCKET_ROLES)[number]): RecordedResource {
  return f.run.one(T.bucket, `${f.base}-${role}`);
}

export function bucketName(f: StackFixture, role: (typeof BUCKET_ROLES)[number]): string {
  return bucketOf(f, role).state.bucket as string;
}

export function bucketArn(f: StackFixture, role: (typeof BUCKET_ROLES)[number]): string {
  return bucketOf(f, role).state.arn as string;
}

export function fnOf(f: StackFixture, lambda: 'batcher' | 'sweeper' | 'generator'): RecordedResource {
  return f.run.one(T.fn, `${f.base}-${lambda}`);
}

/** The inline policy document attached to the role whose logical name is `<roleName>` (policy `<prefix>-policy`). */
export function policyOfRole(f: StackFixture, policyName: string): PolicyDocument {
  return json<PolicyDocument>(f.run.one(T.rolePolicy, policyName).inputs.policy);
}

function actionsOn(doc: PolicyDocument): Map<string, Set<string>> {
  const map = new Map<string, Set<string>>();
  for (const s of doc.Statement.filter((st) => st.Effect === 'Allow')) {
    for (const r of s.Resource ?? []) {
      const set = map.get(r) ?? new Set<string>();
      for (const a of s.Action) set.add(a);
      map.set(r, set);
    }
  }
  return map;
}

export function allowedActions(doc: PolicyDocument, resource: string): string[] {
  return [...(actionsOn(doc).get(resource) ?? [])].sort();
}

export function allActions(doc: PolicyDocument): string[] {
  return [...new Set(doc.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => s.Action))].sort();
}

/** Every ARN this stack owns (recorded resources' ARNs, log groups, buckets, the Glue job's log groups). */
export function ownedArns(run: StackRun): string[] {
  const arns = run.resources.map((r) => r.state.arn).filter((arn): arn is string => typeof arn === 'string' && arn.startsWith('arn:'));
  // A state machine's executions are named under the machine: arn:...:execution:<machine>:<execution>.
  const executions = arns.filter((arn) => arn.includes(':stateMachine:')).map((arn) => arn.replace(':stateMachine:', ':execution:'));
  // Glue authorises a table's catalog calls on the account's Data Catalog too, which no stack creates.
  const catalogs = arns
    .filter((arn) => arn.includes(':glue:') && arn.includes(':database/'))
    .map((arn) => arn.replace(/:database\/.*$/, ':catalog'));
  return [...arns, ...executions, ...catalogs];
}

export function describeStack(f: StackFixture): void {
  const cfg = f.config;

  describe(`${f.stack}: resources and wiring`, () => {
    it('declares one component per concern, each named from the stack base name', () => {
      // Arrange
      const components = f.run.resources.filter((r) => !r.custom && r.type !== 'pulumi:pulumi:Stack');
      // Act
      const types = components.map((r) => r.type).sort();
      // Assert
      const expected = [
        'ndjson-parquet:batcher:Batcher',
        'ndjson-parquet:catalog:Catalog',
        'ndjson-parquet:glue:GlueJob',
        'ndjson-parquet:ingest:IngestStream',
        'ndjson-parquet:ingest:S3Events',
        'ndjson-parquet:observability:Observability',
        'ndjson-parquet:orchestration:Orchestration',
        ...Array<string>(5).fill('ndjson-parquet:storage:SecureBucket'),
        'ndjson-parquet:storage:Storage',
        'ndjson-parquet:sweeper:Sweeper',
        'ndjson-parquet:tracking:TrackingTable',
        ...(cfg.generator.enabled ? ['ndjson-parquet:generator:Generator'] : []),
      ].sort();
      expect(types).toEqual(expected);
      for (const c of components) expect(c.name.startsWith(f.base)).toBe(true);
    });

    it('parents every AWS resource to a component and names it from that component', () => {
      // Arrange
      const custom = f.run.resources.filter((r) => r.custom);
      // Act
      const orphans = custom.filter((r) => !r.parent).map((r) => `${r.type} ${r.name}`);
      const misnamed = custom.filter((r) => r.parent && !r.name.startsWith(r.parent.name)).map((r) => `${r.name} under ${r.parent?.name}`);
      // Assert
      expect(orphans).toEqual([]);
      expect(misnamed).toEqual([]);
    });

    it('creates the expected number of each AWS resource', () => {
      // Arrange
      const lambdas = cfg.generator.enabled ? 3 : 2;
      // Act
      const count = (type: string) => f.run.ofType(type).length;
      // Assert
      expect({
        buckets: count(T.bucket),
        publicAccess: count(T.publicAccess),
        encryption: count(T.encryption),
        bucketPolicies: count(T.bucketPolicy),
        lifecycles: count(T.lifecycle),
        versioning: count(T.versioning),
        streams: count(T.stream),
        tables: count(T.table),
        functions: count(T.fn),
        mappings: count(T.esm),
        stateMachines: count(T.stateMachine),
        glueJobs: count(T.glueJob),
        queues: count(T.queue),
        rules: count(T.rule),
        targets: count(T.target),
        dashboards: count(T.dashboard),
        alarms: count(T.alarm),
        topics: count(T.topic),
        logGroups: count(T.logGroup),
        roles: count(T.role),
      }).toEqual({
        buckets: 5,
        publicAccess: 5,
        encryption: 5,
        bucketPolicies: 5,
        lifecycles: 5,
        versioning: 2,
        streams: 1,
        tables: 1,
        functions: lambdas,
        mappings: 1,
        stateMachines: 1,
        glueJobs: 1,
        queues: 2,
        rules: 2,
        targets: 2,
        dashboards: 1,
        alarms: 13,
        topics: 1,
        logGroups: lambdas + 1 + 2,
        roles: lambdas + 3,
      });
    });

    it('creates the AWS resources docs/deploy.md counts, per concern and in total', () => {
      // Arrange
      const documented = documentedCounts();
      // Act
      const counted = countedByRow(f.run);
      // Assert
      expect(counted).toEqual(Object.fromEntries(Object.entries(documented.rows).map(([row, n]) => [row, n[f.stack]])));
      expect(f.run.resources.filter((r) => r.custom)).toHaveLength(documented.total[f.stack]);
    });

    it('exports the names operators and the CLI need', () => {
      // Arrange
      const o = f.run.outputs;
      // Act
      const stateMachine = f.run.one(T.stateMachine);
      // Assert
      expect(o.inputBucketName).toBe(bucketName(f, 'input'));
      expect(o.quarantineBucketName).toBe(bucketName(f, 'quarantine'));
      expect(o.manifestBucketName).toBe(bucketName(f, 'manifest'));
      expect(o.outputBucketName).toBe(bucketName(f, 'output'));
      expect(o.scriptsBucketName).toBe(bucketName(f, 'scripts'));
      expect(o.streamName).toBe(`${f.base}-ingest`);
      expect(o.tableName).toBe(`${f.base}-tracking`);
      expect(o.stateMachineArn).toBe(stateMachine.state.arn);
      expect(o.glueJobName).toBe(`${f.base}-glue`);
      expect(o.dashboardUrl).toBe(
        `https://${f.run.region}.console.aws.amazon.com/cloudwatch/home?region=${f.run.region}#dashboards/dashboard/${f.base}`,
      );
      expect(o.athenaDatabase).toBe(f.base.replace(/-/g, '_'));
      expect(o.athenaTable).toBe('merged_parquet');
      expect(o.batcherDlqUrl).toBe(f.run.one(T.queue, `${f.base}-batcher-dlq`).state.url);
      expect(o.ingestDlqUrl).toBe(f.run.one(T.queue, `${f.base}-s3-events-dlq`).state.url);
      expect(o.alarmTopicArn).toBe(f.run.one(T.topic).state.arn);
      expect(o.inputPrefix).toBe(cfg.inputPrefix);
    });
  });

  describe(`${f.stack}: S3 -> EventBridge -> Kinesis`, () => {
    it('sends the input bucket events to EventBridge', () => {
      // Arrange
      const notification = f.run.one(T.notification);
      // Act / Assert
      expect(notification.inputs).toMatchObject({ bucket: bucketName(f, 'input'), eventbridge: true });
    });

    it('keeps only Object Created under the input prefix of the input bucket', () => {
      // Arrange
      const rule = f.run.one(T.rule, 'object-created');
      // Act
      const pattern = json(rule.inputs.eventPattern);
      // Assert
      expect(pattern).toEqual({
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: [bucketName(f, 'input')] }, object: { key: [{ prefix: cfg.inputPrefix }] } },
      });
    });

    it("targets the stream's ARN, keyed by object key, through a role that may only put records on it", () => {
      // Arrange
      const stream = f.run.one(T.stream);
      const target = f.run.one(T.target, 'to-kinesis');
      const role = f.run.one(T.role, 'to-kinesis-role');
      // Act
      const policy = policyOfRole(f, `${f.base}-s3-events-to-kinesis-policy`);
      const trust = json(role.inputs.assumeRolePolicy);
      // Assert
      expect(target.inputs.arn).toBe(stream.state.arn);
      expect(target.inputs.rule).toBe(f.run.one(T.rule, 'object-created').state.name);
      expect(target.inputs.roleArn).toBe(role.state.arn);
      expect(target.inputs.kinesisTarget).toEqual({ partitionKeyPath: '$.id' });
      expect(policy.Statement).toEqual([
        { Sid: 'PutIngestRecords', Effect: 'Allow', Action: ['kinesis:PutRecord', 'kinesis:PutRecords'], Resource: [stream.state.arn] },
      ]);
      expect(trust.Statement[0].Principal).toEqual({ Service: 'events.amazonaws.com' });
      expect(trust.Statement[0].Condition).toEqual({ StringEquals: { 'aws:SourceAccount': '123456789012' } });
    });

    it('dead-letters undeliverable events to an encrypted queue only the rule may write', () => {
      // Arrange
      const queue = f.run.one(T.queue, `${f.base}-s3-events-dlq`);
      const target = f.run.one(T.target, 'to-kinesis');
      // Act
      const queuePolicy = json<PolicyDocument>(f.run.one(T.queuePolicy).inputs.policy);
      // Assert
      expect(target.inputs.deadLetterConfig).toEqual({ arn: queue.state.arn });
      expect(target.inputs.retryPolicy).toEqual({ maximumEventAgeInSeconds: 86400, maximumRetryAttempts: 185 });
      expect(queue.inputs.sqsManagedSseEnabled).toBe(true);
      expect(queuePolicy.Statement[0]).toMatchObject({
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['sqs:SendMessage'],
        Resource: [queue.state.arn],
        Condition: { ArnEquals: { 'aws:SourceArn': f.run.one(T.rule, 'object-created').state.arn } },
      });
    });

    it('builds the stream from the stack config, encrypted with KMS', () => {
      // Arrange
      const stream = f.run.one(T.stream);
      // Act
      const { inputs } = stream;
      // Assert
      expect(inputs.name).toBe(`${f.base}-ingest`);
      expect(inputs.streamModeDetails).toEqual({ streamMode: cfg.stream.mode });
      expect(inputs.shardCount).toBe(cfg.stream.mode === 'PROVISIONED' ? cfg.stream.shardCount : undefined);
      expect(inputs.retentionPeriod).toBe(cfg.stream.retentionHours);
      expect(inputs.encryptionType).toBe('KMS');
      expect(inputs.kmsKeyId).toBe('alias/aws/kinesis');
    });
  });

  describe(`${f.stack}: tracking table`, () => {
    it('is on-demand, keyed date_prefix/file_key, with TTL, PITR per stack, SSE and the windows index', () => {
      // Arrange
      const table = f.run.one(T.table);
      // Act
      const { inputs } = table;
      // Assert
      expect(inputs).toMatchObject({
        name: `${f.base}-tracking`,
        billingMode: 'PAY_PER_REQUEST',
        hashKey: 'date_prefix',
        rangeKey: 'file_key',
        ttl: { attributeName: 'ttl', enabled: true },
        pointInTimeRecovery: { enabled: cfg.tracking.pointInTimeRecovery },
        serverSideEncryption: { enabled: true },
        deletionProtectionEnabled: !cfg.storage.forceDestroy,
      });
      expect(inputs.attributes).toEqual([
        { name: 'date_prefix', type: 'S' },
        { name: 'file_key', type: 'S' },
        { name: 'window_pk', type: 'S' },
      ]);
      expect(inputs.globalSecondaryIndexes).toEqual([
        {
          name: 'windows',
          keySchemas: [
            { attributeName: 'window_pk', keyType: 'HASH' },
            { attributeName: 'date_prefix', keyType: 'RANGE' },
          ],
          projectionType: 'ALL',
        },
      ]);
    });
  });

  describe(`${f.stack}: Lambdas`, () => {
    const lambdas = ['batcher', 'sweeper', ...(cfg.generator.enabled ? ['generator' as const] : [])] as const;

    it.each(lambdas)('%s runs the esbuild bundle on Node 22+, with its own log group and retention', (lambda) => {
      // Arrange
      const fn = fnOf(f, lambda);
      // Act
      const logGroup = f.run.one(T.logGroup, `${f.base}-${lambda}-logs`);
      // Assert
      expect(fn.inputs).toMatchObject({
        name: `${f.base}-${lambda}`,
        runtime: cfg.lambda.runtime,
        architectures: [cfg.lambda.architecture],
        handler: 'index.handler',
      });
      expect(['nodejs22.x', 'nodejs24.x']).toContain(fn.inputs.runtime);
      expect(logGroup.inputs).toEqual({ name: `/aws/lambda/${f.base}-${lambda}`, retentionInDays: cfg.observability.logRetentionDays });
      // Lambda filters JSON application logs at INFO unless the function says otherwise (dev logs at DEBUG)
      expect(fn.inputs.loggingConfig).toEqual({
        logFormat: 'JSON',
        logGroup: `/aws/lambda/${f.base}-${lambda}`,
        applicationLogLevel: cfg.lambda.logLevel,
      });
      expect(fn.dependsOn).toContain(`${f.base}-${lambda}-policy`);
    });

    it.each(lambdas)('%s gets the environment lambdaEnvironment() builds, plus Powertools settings', (lambda) => {
      // Arrange
      const expected = {
        ...lambdaEnvironment({
          tableName: `${f.base}-tracking`,
          inputBucket: bucketName(f, 'input'),
          quarantineBucket: bucketName(f, 'quarantine'),
          manifestBucket: bucketName(f, 'manifest'),
          outputBucket: bucketName(f, 'output'),
          stateMachineArn: f.run.one(T.stateMachine).state.arn,
          ...batchingSettingsFromStack(cfg),
        }),
        POWERTOOLS_SERVICE_NAME: f.base,
        POWERTOOLS_METRICS_NAMESPACE: 'ndjson-parquet',
        POWERTOOLS_LOG_LEVEL: cfg.lambda.logLevel,
        NODE_OPTIONS: '--enable-source-maps',
      };
      // Act
      const env = fnOf(f, lambda).inputs.environment.variables;
      // Assert
      expect(env).toEqual(expected);
    });

    it('maps the ingest stream to the batcher with the configured batching, bisect, retries and DLQ', () => {
      // Arrange
      const mapping = f.run.one(T.esm);
      const dlq = f.run.one(T.queue, `${f.base}-batcher-dlq`);
      // Act
      const { inputs } = mapping;
      // Assert
      expect(inputs).toMatchObject({
        eventSourceArn: f.run.one(T.stream).state.arn,
        functionName: fnOf(f, 'batcher').state.arn,
        startingPosition: 'TRIM_HORIZON',
        batchSize: cfg.batcher.batchSize,
        maximumBatchingWindowInSeconds: cfg.batcher.maximumBatchingWindowSeconds,
        parallelizationFactor: cfg.batcher.parallelizationFactor,
        bisectBatchOnFunctionError: true,
        maximumRetryAttempts: cfg.batcher.maximumRetryAttempts,
        maximumRecordAgeInSeconds: cfg.batcher.maximumRecordAgeSeconds,
        functionResponseTypes: ['ReportBatchItemFailures'],
        destinationConfig: { onFailure: { destinationArn: dlq.state.arn } },
      });
      expect(dlq.inputs.sqsManagedSseEnabled).toBe(true);
      expect(mapping.dependsOn).toContain(`${f.base}-batcher-policy`);
      expect(fnOf(f, 'batcher').inputs).toMatchObject({ memorySize: cfg.batcher.memoryMb, timeout: cfg.batcher.timeoutSeconds });
    });

    it('runs the sweeper on a schedule of sweeper.everyMinutes, without async retries', () => {
      // Arrange
      const rule = f.run.one(T.rule, 'sweeper-schedule');
      const sweeper = fnOf(f, 'sweeper');
      // Act
      const target = f.run.one(T.target, 'sweeper-target');
      const permission = f.run.one(T.permission);
      // Assert
      const n = cfg.sweeper.everyMinutes;
      expect(rule.inputs.scheduleExpression).toBe(`rate(${n} ${n === 1 ? 'minute' : 'minutes'})`);
      expect(target.inputs).toMatchObject({ rule: rule.state.name, arn: sweeper.state.arn });
      expect(permission.inputs).toMatchObject({
        action: 'lambda:InvokeFunction',
        function: sweeper.state.name,
        principal: 'events.amazonaws.com',
        sourceArn: rule.state.arn,
      });
      expect(f.run.one(T.invokeConfig).inputs).toMatchObject({ functionName: sweeper.state.name, maximumRetryAttempts: 0 });
    });
  });

  describe(`${f.stack}: orchestration`, () => {
    it('uses exactly stateMachineDefinition({tableName, glueJobName, glueRunRetries, glueSizing}), keyed by $.file_key', () => {
      // Arrange
      const sm = f.run.one(T.stateMachine);
      const expected = stateMachineDefinition({
        tableName: `${f.base}-tracking`,
        glueJobName: `${f.base}-glue`,
        glueRunRetries: f.config.glue.maxRetries,
        glueSizing: f.config.glue,
      });
      // Act
      const definition = sm.inputs.definition as string;
      // Assert
      expect(definition).toBe(JSON.stringify(expected));
      expect(definition).toContain('"file_key":{"S.$":"$.file_key"}');
      expect(definition).not.toMatch(/"file_key":\{"S":"MANIFEST"\}/);
    });

    it('starts every Glue run on the capacity SizeGlueRun chose from the manifest bytes, per glue:startJobRun', async () => {
      // Arrange
      const definition = JSON.parse(f.run.one(T.stateMachine).inputs.definition as string) as {
        States: { RunGlue: { Resource: string; Parameters: Record<string, unknown> } };
      };
      const MiB = 1024 * 1024;
      // Act
      const small = await sizedCapacity(definition, { total_bytes: 10 * MiB });
      const large = await sizedCapacity(definition, { total_bytes: 5 * 1024 * MiB });
      // Assert
      expect(definition.States.RunGlue.Resource).toBe('arn:aws:states:::glue:startJobRun.sync');
      expect(definition.States.RunGlue.Parameters).toMatchObject({
        'WorkerType.$': '$.capacity.worker_type',
        'NumberOfWorkers.$': '$.capacity.number_of_workers',
        'ExecutionClass.$': '$.capacity.execution_class',
      });
      expect(small).toEqual(capacityResult(glueRunCapacity(10 * MiB, f.config.glue)));
      expect(large).toEqual(capacityResult(glueRunCapacity(5 * 1024 * MiB, f.config.glue)));
    });

    it('logs executions to its log group at the stack level and runs as STANDARD', () => {
      // Arrange
      const sm = f.run.one(T.stateMachine);
      const logGroup = f.run.one(T.logGroup, `${f.base}-manifest-logs`);
      // Act
      const logging = sm.inputs.loggingConfiguration;
      // Assert
      expect(sm.inputs.type).toBe('STANDARD');
      expect(logging).toEqual({
        logDestination: `${logGroup.state.arn}:*`,
        includeExecutionData: true,
        level: cfg.observability.stateMachineLogLevel,
      });
      expect(logGroup.inputs).toEqual({
        name: `/aws/vendedlogs/states/${f.base}-manifest`,
        retentionInDays: cfg.observability.logRetentionDays,
      });
      expect(sm.inputs.roleArn).toBe(f.run.one(T.role, `${f.base}-manifest-role`).state.arn);
    });

    it('lets the state machine update the table, run the one Glue job and deliver logs, nothing else', () => {
      // Arrange
      const doc = policyOfRole(f, `${f.base}-manifest-policy`);
      const tableArn = f.run.one(T.table).state.arn;
      const jobArn = f.run.one(T.glueJob).state.arn;
      // Act
      const onTable = allowedActions(doc, tableArn);
      const onJob = allowedActions(doc, jobArn);
      // Assert
      expect(onTable).toEqual(['dynamodb:UpdateItem']);
      expect(onJob).toEqual(['glue:BatchStopJobRun', 'glue:GetJobRun', 'glue:GetJobRuns', 'glue:StartJobRun']);
      expect(allowedActions(doc, '*').every((a) => a.startsWith('logs:'))).toBe(true);
      expect(doc.Statement.flatMap((s) => s.Resource ?? []).sort()).toEqual([tableArn, jobArn, '*'].sort());
    });
  });

  describe(`${f.stack}: Glue job`, () => {
    it('is a Glue 5.0 glueetl job sized and bounded by the stack config, with run queuing', () => {
      // Arrange
      const job = f.run.one(T.glueJob);
      // Act
      const { inputs } = job;
      // Assert
      expect(inputs).toMatchObject({
        name: `${f.base}-glue`,
        glueVersion: '5.0',
        command: { name: 'glueetl', pythonVersion: '3', scriptLocation: `s3://${bucketName(f, 'scripts')}/glue/ndjson_to_parquet.py` },
        workerType: cfg.glue.workerType,
        numberOfWorkers: cfg.glue.numberOfWorkers,
        timeout: cfg.glue.timeoutMinutes,
        executionProperty: { maxConcurrentRuns: cfg.glue.maxConcurrentRuns },
        jobRunQueuingEnabled: true,
      });
      expect(inputs.roleArn).toBe(f.run.one(T.role, `${f.base}-glue-role`).state.arn);
    });

    it('leaves retries to the state machine alone: the job retries nothing, the ASL retries a failed run glue.maxRetries times', () => {
      // Arrange
      const job = f.run.one(T.glueJob).inputs;
      // Act
      const definition = JSON.parse(f.run.one(T.stateMachine).inputs.definition as string) as {
        States: { RunGlue: { Retry: { ErrorEquals: string[]; MaxAttempts: number }[] } };
      };
      const taskFailed = definition.States.RunGlue.Retry.filter((r) => r.ErrorEquals.includes('States.TaskFailed'));
      // Assert
      expect(cfg.glue.maxRetries).toBeGreaterThan(0);
      expect(job.maxRetries).toBe(0);
      expect(taskFailed.map((r) => r.MaxAttempts)).toEqual([cfg.glue.maxRetries]);
    });

    it('passes the output/manifest locations and metrics switches as DefaultArguments', () => {
      // Arrange
      const args = f.run.one(T.glueJob).inputs.defaultArguments as Record<string, string>;
      // Act
      const shared = glueDefaultArguments(
        cfg,
        { outputBucket: bucketName(f, 'output'), manifestBucket: bucketName(f, 'manifest') },
        { database: f.run.one(T.database).state.name, table: f.run.one(T.catalogTable).state.name },
      );
      // Assert
      expect(Object.keys(shared).sort()).toEqual(
        [
          '--TempDir',
          '--catalog_database',
          '--catalog_table',
          '--compression',
          '--declared_columns',
          '--dpu_hour_usd',
          '--execution_class',
          '--glue_version',
          '--manifest_bucket',
          '--number_of_workers',
          '--output_bucket',
          '--output_prefix',
          '--rejects_prefix',
          '--target_file_mb',
          '--worker_type',
        ].sort(),
      );
      expect(args).toMatchObject(shared);
      expect(args).toMatchObject({
        '--output_bucket': bucketName(f, 'output'),
        '--output_prefix': cfg.outputPrefix,
        '--rejects_prefix': cfg.rejectsPrefix,
        '--manifest_bucket': bucketName(f, 'manifest'),
        '--compression': cfg.glue.compression,
        '--target_file_mb': String(cfg.glue.targetFileMb),
        '--enable-metrics': 'true',
        '--enable-observability-metrics': 'true',
        '--enable-continuous-cloudwatch-log': 'true',
        '--custom-logGroup-prefix': `/aws-glue/${f.base}-glue`,
        '--TempDir': `s3://${bucketName(f, 'output')}/${cfg.stagingPrefix}glue-temp/`,
        '--glue_version': '5.0',
        '--worker_type': cfg.glue.workerType,
        '--number_of_workers': String(cfg.glue.numberOfWorkers),
        '--execution_class': cfg.glue.executionClass,
        '--dpu_hour_usd': String(dpuHourUsd(cfg.prices, cfg.glue.executionClass)),
        '--declared_columns': JSON.stringify(cfg.schema.columns),
        '--metrics_namespace': 'ndjson-parquet',
        '--metrics_service': f.base,
      });
      expect(args['--additional-python-modules']).toBe(glueAdditionalPythonModules());
      expect(args['--additional-python-modules']).toMatch(/(^|,)botocore==\d+\.\d+\.\d+(,|$)/);
      expect(args['--extra-py-files']).toBe(`s3://${bucketName(f, 'scripts')}/glue/ndjson_parquet.zip`);
      expect(args['--extra-jars']).toBe(`s3://${bucketName(f, 'scripts')}/glue/ndjson-parquet-glue.jar`);
    });

    it('uploads the script, the zipped package and the parser jar into the scripts bucket', () => {
      // Arrange
      const objects = f.run.ofType(T.object);
      // Act
      const keys = objects.map((o) => `${o.inputs.bucket}/${o.inputs.key}`).sort();
      // Assert
      expect(keys).toEqual(
        ['glue/ndjson-parquet-glue.jar', 'glue/ndjson_parquet.zip', 'glue/ndjson_to_parquet.py'].map(
          (k) => `${bucketName(f, 'scripts')}/${k}`,
        ),
      );
      for (const o of objects) expect(o.inputs.serverSideEncryption).toBe('AES256');
      expect(f.run.one(T.glueJob).dependsOn).toEqual(expect.arrayContaining(objects.map((o) => o.name)));
    });

    it('writes its logs to its own log groups with the stack retention', () => {
      // Arrange
      const groups = f.run.ofType(T.logGroup).filter((g) => String(g.inputs.name).startsWith('/aws-glue/'));
      // Act
      const names = groups.map((g) => g.inputs.name).sort();
      // Assert
      expect(names).toEqual([`/aws-glue/${f.base}-glue/error`, `/aws-glue/${f.base}-glue/output`]);
      for (const g of groups) expect(g.inputs.retentionInDays).toBe(cfg.observability.logRetentionDays);
    });
  });

  describe(`${f.stack}: Athena catalog`, () => {
    it('projects merged-parquet-${date} partitions with a location template, Parquet SerDe, no crawler', () => {
      // Arrange
      const table = f.run.one(T.catalogTable);
      const output = bucketName(f, 'output');
      // Act
      const { parameters, storageDescriptor, partitionKeys } = table.inputs;
      // Assert
      expect(table.inputs.databaseName).toBe(f.run.one(T.database).state.name);
      expect(table.inputs.tableType).toBe('EXTERNAL_TABLE');
      expect(parameters).toMatchObject({
        'projection.enabled': 'true',
        'projection.date.type': 'date',
        'projection.date.format': 'yyyy-MM-dd',
        'projection.date.range': '2020-01-01,NOW',
        'storage.location.template': `s3://${output}/${cfg.outputPrefix}merged-parquet-\${date}/`,
      });
      expect(partitionKeys).toEqual([{ name: 'date', type: 'string', comment: 'UTC date, YYYY-MM-DD' }]);
      expect(storageDescriptor.serDeInfo.serializationLibrary).toBe('org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe');
      expect(storageDescriptor.inputFormat).toBe('org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat');
      expect(storageDescriptor.location).toBe(`s3://${output}/${cfg.outputPrefix}`);
      expect(f.run.ofType('aws:glue/crawler:Crawler')).toEqual([]);
    });

    it("holds the declared columns (as catalog types) and the bookkeeping columns only, and leaves the job's additions alone", () => {
      // Arrange
      const table = f.run.one(T.catalogTable);
      const declared = Object.keys(cfg.schema.columns).sort();
      // Act
      const columns = table.inputs.storageDescriptor.columns as { name: string; type: string }[];
      // Assert
      expect(columns.map((c) => c.name)).toEqual([...declared, '_rescued_data', '_source_file', '_source_line']);
      expect(columns.slice(declared.length)).toEqual([
        { name: '_rescued_data', type: 'map<string,string>', comment: 'values that did not fit their column, as JSON text' },
        { name: '_source_file', type: 'string', comment: 's3:// URI of the NDJSON file' },
        { name: '_source_line', type: 'bigint', comment: '1-based line in that file' },
      ]);
      for (const c of columns.slice(0, declared.length)) expect(c.type).toBe(catalogType(c.name, cfg.schema.columns[c.name]!));
      expect(columns.map((c) => c.name)).not.toContain('date');
      expect(table.ignoreChanges).toEqual(['storageDescriptor.columns']);
    });

    it('lets the Glue job read and update that one table (with its database and catalog), nothing else in the catalog', () => {
      // Arrange
      const doc = policyOfRole(f, `${f.base}-glue-policy`);
      const table = f.run.one(T.catalogTable).state.arn as string;
      const database = f.run.one(T.database).state.arn as string;
      const catalog = database.replace(/:database\/.*$/, ':catalog');
      // Act
      const glueStatements = doc.Statement.filter((s) => s.Action.some((a) => a.startsWith('glue:')));
      // Assert
      expect(glueStatements).toEqual([
        { Sid: 'SyncCatalogTable', Effect: 'Allow', Action: ['glue:GetTable', 'glue:UpdateTable'], Resource: [catalog, database, table] },
      ]);
      expect(table).toBe(`${database.replace(':database/', ':table/')}/merged_parquet`);
    });
  });

  describe(`${f.stack}: observability`, () => {
    it('alarms on DLQs, failed executions, iterator age, Lambda errors, stuck manifests and old pending files, to the topic', () => {
      // Arrange
      const topicArn = f.run.one(T.topic).state.arn;
      const alarms = f.run.ofType(T.alarm);
      // Act
      const byMetric = Object.fromEntries(alarms.map((a) => [String(a.inputs.name).replace(`${f.base}-`, ''), a.inputs]));
      // Assert
      expect(Object.keys(byMetric).sort()).toEqual([
        'batcher-dlq-not-empty',
        'batcher-errors',
        'events-skipped',
        'executions-failed',
        'flush-failures',
        'ingest-dlq-not-empty',
        'inputs-changed',
        'iterator-age',
        'manifests-stuck',
        'objects-missing',
        'objects-reconciled',
        'pending-too-old',
        'sweeper-errors',
      ]);
      for (const a of alarms) expect(a.inputs.alarmActions).toEqual([topicArn]);
      expect(byMetric['batcher-dlq-not-empty']).toMatchObject({
        namespace: 'AWS/SQS',
        dimensions: { QueueName: `${f.base}-batcher-dlq` },
        threshold: 0,
      });
      expect(byMetric['executions-failed']).toMatchObject({
        namespace: 'AWS/States',
        metricName: 'ExecutionsFailed',
        dimensions: { StateMachineArn: f.run.one(T.stateMachine).state.arn },
      });
      expect(byMetric['iterator-age']).toMatchObject({
        metricName: 'IteratorAge',
        dimensions: { FunctionName: `${f.base}-batcher` },
        threshold: cfg.observability.iteratorAgeAlarmSeconds * 1000,
      });
      expect(byMetric['batcher-errors']).toMatchObject({ metricName: 'Errors', dimensions: { FunctionName: `${f.base}-batcher` } });
      expect(byMetric['manifests-stuck']).toMatchObject({
        namespace: 'ndjson-parquet',
        metricName: 'ManifestsStuck',
        dimensions: { service: f.base },
        comparisonOperator: 'GreaterThanThreshold',
        threshold: 0,
      });
      expect(byMetric['pending-too-old']).toMatchObject({
        namespace: 'ndjson-parquet',
        metricName: 'OldestPendingAgeSeconds',
        dimensions: { service: f.base },
        statistic: 'Maximum',
        comparisonOperator: 'GreaterThanThreshold',
        threshold: pendingAgeAlarmSeconds(cfg),
      });
      expect(pendingAgeAlarmSeconds(cfg)).toBeGreaterThan(cfg.batching.maxWaitSeconds + cfg.sweeper.everyMinutes * 60);
    });

    it('encrypts the alarm topic with its own key that CloudWatch may use', () => {
      // Arrange
      const topic = f.run.one(T.topic);
      const key = f.run.one(T.key);
      // Act
      const keyPolicy = json<PolicyDocument>(key.inputs.policy);
      // Assert
      expect(topic.inputs.kmsMasterKeyId).toBe(key.state.arn);
      expect(key.inputs.enableKeyRotation).toBe(true);
      expect(keyPolicy.Statement.find((s) => s.Sid === 'CloudWatchAlarmsPublish')).toMatchObject({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      });
      expect(policyViolations(keyPolicy, 'key', [])).toEqual([]);
    });

    it('subscribes observability.alarmEmail to the topic only when it is set', () => {
      // Arrange
      const subscriptions = f.run.ofType(T.subscription);
      // Act
      const endpoints = subscriptions.map((s) => s.inputs.endpoint);
      // Assert
      expect(endpoints).toEqual(cfg.observability.alarmEmail ? [cfg.observability.alarmEmail] : []);
    });

    it('draws one dashboard with the stream, batcher, pipeline EMF metrics, executions, Glue and DLQs', () => {
      // Arrange
      const dashboard = f.run.one(T.dashboard);
      // Act
      const body = json<{ widgets: { type: string; properties: { metrics?: unknown[][]; region?: string } }[] }>(
        dashboard.inputs.dashboardBody,
      );
      const lines = body.widgets.flatMap((w) => w.properties.metrics ?? []).map((m) => m.filter((x) => typeof x === 'string').join(' '));
      // Assert
      expect(dashboard.inputs.dashboardName).toBe(f.base);
      const has = (text: string) =>
        expect(
          lines.some((l) => l.includes(text)),
          text,
        ).toBe(true);
      has(`AWS/Kinesis IncomingRecords StreamName ${f.base}-ingest`);
      has(`AWS/Lambda IteratorAge FunctionName ${f.base}-batcher`);
      for (const m of ['Invocations', 'Errors', 'Duration']) has(`AWS/Lambda ${m} FunctionName ${f.base}-batcher`);
      for (const m of [
        'FilesTracked',
        'BytesTracked',
        'FilesQuarantined',
        'DuplicateEvents',
        'ManifestsCreated',
        'LockConflicts',
        'PendingFiles',
        'PendingBytes',
        'ManifestsStuck',
      ]) {
        has(`ndjson-parquet ${m} service ${f.base}`);
      }
      for (const m of ['ExecutionsStarted', 'ExecutionsSucceeded', 'ExecutionsFailed']) has(`AWS/States ${m} StateMachineArn`);
      has(`Glue glue.driver.aggregate.elapsedTime JobName ${f.base}-glue`);
      has(`Glue glue.driver.aggregate.recordsRead JobName ${f.base}-glue`);
      has(`AWS/SQS ApproximateNumberOfMessagesVisible QueueName ${f.base}-batcher-dlq`);
      for (const w of body.widgets.filter((x) => x.type === 'metric')) expect(w.properties.region).toBe(f.run.region);
    });
  });

  describe(`${f.stack}: security baseline`, () => {
    it.each(BUCKET_ROLES)('the %s bucket blocks public access, enforces ownership, encrypts, and denies non-TLS', (role) => {
      // Arrange
      const name = bucketName(f, role);
      const child = (type: string, suffix: string) => f.run.one(type, `${f.base}-${role}-${suffix}`);
      // Act
      const policy = json<PolicyDocument>(child(T.bucketPolicy, 'tls-only').inputs.policy);
      // Assert
      expect(child(T.publicAccess, 'public-access').inputs).toEqual({
        bucket: name,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
      expect(child(T.ownership, 'ownership').inputs.rule).toEqual({ objectOwnership: 'BucketOwnerEnforced' });
      expect(child(T.encryption, 'encryption').inputs.rules).toEqual([{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }]);
      expect(policy.Statement).toContainEqual({
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: ['s3:*'],
        Resource: [bucketArn(f, role), `${bucketArn(f, role)}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      });
      expect(policy.Statement.every((s) => s.Effect === 'Deny')).toBe(true);
    });

    it.each(BUCKET_ROLES)('the %s bucket aborts incomplete multipart uploads after the configured days', (role) => {
      // Arrange
      const lifecycle = f.run.one(T.lifecycle, `${f.base}-${role}-lifecycle`);
      // Act
      const abort = lifecycle.inputs.rules.find((r: { id: string }) => r.id === 'abort-incomplete-multipart-uploads');
      // Assert
      expect(abort).toEqual({
        id: 'abort-incomplete-multipart-uploads',
        status: 'Enabled',
        filter: { prefix: '' },
        abortIncompleteMultipartUpload: { daysAfterInitiation: cfg.storage.abortIncompleteUploadDays },
      });
    });

    it('expires quarantine, manifests/ and logs/ after their configured days; staging after a week', () => {
      // Arrange
      const expiries = (role: string) =>
        Object.fromEntries(
          f.run
            .one(T.lifecycle, `${f.base}-${role}-lifecycle`)
            .inputs.rules.filter((r: { expiration?: { days?: number } }) => r.expiration?.days)
            .map((r: { filter: { prefix: string }; expiration: { days: number } }) => [r.filter.prefix, r.expiration.days]),
        );
      // Act
      const quarantine = expiries('quarantine');
      const manifest = expiries('manifest');
      // Assert
      expect(quarantine).toEqual({ '': cfg.storage.quarantineExpiryDays });
      expect(manifest).toEqual({ 'manifests/': cfg.storage.manifestsExpiryDays, 'logs/': cfg.storage.logsExpiryDays });
      expect(expiries('output')).toEqual({ [cfg.stagingPrefix]: 7, [`${cfg.outputPrefix}_staging/`]: 7 });
      expect(expiries('input')).toEqual({});
    });

    it('versions the input and output buckets and expires their noncurrent versions', () => {
      // Arrange
      const versioned = f.run
        .ofType(T.versioning)
        .map((v) => v.inputs.bucket)
        .sort();
      // Act
      const noncurrent = (role: string) =>
        f.run
          .one(T.lifecycle, `${f.base}-${role}-lifecycle`)
          .inputs.rules.find((r: { id: string }) => r.id === 'expire-noncurrent-versions')?.noncurrentVersionExpiration;
      // Assert
      expect(versioned).toEqual([bucketName(f, 'input'), bucketName(f, 'output')].sort());
      for (const v of f.run.ofType(T.versioning)) expect(v.inputs.versioningConfiguration).toEqual({ status: 'Enabled' });
      expect(noncurrent('input')).toEqual({ noncurrentDays: cfg.storage.noncurrentVersionExpiryDays });
      expect(noncurrent('output')).toEqual({ noncurrentDays: cfg.storage.noncurrentVersionExpiryDays });
      expect(noncurrent('quarantine')).toBeUndefined();
    });

    it('sets forceDestroy on the data buckets from the stack config', () => {
      // Arrange
      const data = ['input', 'quarantine', 'manifest', 'output'] as const;
      // Act
      const flags = data.map((role) => bucketOf(f, role).inputs.forceDestroy);
      // Assert
      expect(flags).toEqual(data.map(() => cfg.storage.forceDestroy));
    });

    it('encrypts the stream, the table, both queues and the topic', () => {
      // Arrange / Act
      const queues = f.run.ofType(T.queue);
      // Assert
      expect(f.run.one(T.stream).inputs.encryptionType).toBe('KMS');
      expect(f.run.one(T.table).inputs.serverSideEncryption).toEqual({ enabled: true });
      for (const q of queues) expect(q.inputs.sqsManagedSseEnabled).toBe(true);
      expect(f.run.one(T.topic).inputs.kmsMasterKeyId).toBeTruthy();
    });

    it('has no wildcard action and no "*" resource where a scoped one exists, in any policy', () => {
      // Arrange
      const owned = ownedArns(f.run);
      const identity = f.run
        .ofType(T.rolePolicy)
        .map((p) => ({ name: p.name, doc: json<PolicyDocument>(p.inputs.policy), kind: 'identity' as const }));
      const resource = [...f.run.ofType(T.bucketPolicy), ...f.run.ofType(T.queuePolicy)].map((p) => ({
        name: p.name,
        doc: json<PolicyDocument>(p.inputs.policy),
        kind: 'resource' as const,
      }));
      const keys = f.run.ofType(T.key).map((k) => ({ name: k.name, doc: json<PolicyDocument>(k.inputs.policy), kind: 'key' as const }));
      // Act
      const violations = [...identity, ...resource, ...keys].flatMap(({ name, doc, kind }) =>
        policyViolations(doc, kind, owned).map((v) => `${name}: ${v}`),
      );
      // Assert
      expect(identity.length).toBe(f.run.ofType(T.role).length);
      expect(violations).toEqual([]);
    });

    it('gives every role a trust policy for exactly one service', () => {
      // Arrange
      const roles = f.run.ofType(T.role);
      // Act
      const services = roles.map((r) =>
        json(r.inputs.assumeRolePolicy).Statement.map((s: { Principal: { Service: string } }) => s.Principal.Service),
      );
      // Assert
      for (const s of services) expect(s).toHaveLength(1);
      expect(services.flat().sort()).toEqual(
        [
          ...Array<string>(cfg.generator.enabled ? 3 : 2).fill('lambda.amazonaws.com'),
          'events.amazonaws.com',
          'glue.amazonaws.com',
          'states.amazonaws.com',
        ].sort(),
      );
    });

    it('lets the batcher do exactly what it needs, on this stack only', () => {
      // Arrange
      const doc = policyOfRole(f, `${f.base}-batcher-policy`);
      const tableArn = f.run.one(T.table).state.arn;
      const sm = f.run.one(T.stateMachine).state.arn as string;
      // Act
      const on = (resource: string) => allowedActions(doc, resource);
      // Assert
      expect(on(`${bucketArn(f, 'input')}/${cfg.inputPrefix}*`)).toEqual(['s3:DeleteObject', 's3:GetObject', 's3:GetObjectTagging']);
      // GetObject and ListBucket: a redelivered event's HeadObject in quarantine (404, not 403); Abort: multipart copies over 5 GiB
      expect(on(`${bucketArn(f, 'quarantine')}/*`)).toEqual([
        's3:AbortMultipartUpload',
        's3:GetObject',
        's3:PutObject',
        's3:PutObjectTagging',
      ]);
      expect(on(bucketArn(f, 'quarantine'))).toEqual(['s3:ListBucket']);
      // DeleteObject: a fenced holder removes the manifest object it wrote before its commit was refused
      expect(on(`${bucketArn(f, 'manifest')}/manifests/*`)).toEqual(['s3:DeleteObject', 's3:GetObject', 's3:PutObject']);
      expect(on(`${bucketArn(f, 'manifest')}/logs/lambda/*`)).toEqual(['s3:PutObject']);
      const dynamo = [
        'dynamodb:BatchGetItem',
        'dynamodb:BatchWriteItem',
        'dynamodb:ConditionCheckItem',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
      ];
      expect(on(tableArn)).toEqual(dynamo);
      expect(on(`${tableArn}/index/windows`)).toEqual(dynamo);
      expect(on(sm)).toEqual(['states:StartExecution']);
      // The Lambdas only start executions; reading them is the operator's (redrive, trace)
      expect(on(`${sm.replace(':stateMachine:', ':execution:')}:*`)).toEqual([]);
      expect(on(f.run.one(T.stream).state.arn)).toEqual([
        'kinesis:DescribeStream',
        'kinesis:DescribeStreamSummary',
        'kinesis:GetRecords',
        'kinesis:GetShardIterator',
        'kinesis:ListShards',
      ]);
      expect(on(f.run.one(T.queue, `${f.base}-batcher-dlq`).state.arn)).toEqual(['sqs:SendMessage']);
      expect(allActions(doc)).not.toContain('cloudwatch:PutMetricData');
      expect(on(`${bucketArn(f, 'output')}/*`)).toEqual([]);
    });

    it('gives the sweeper the batcher permissions minus Kinesis and the DLQ, listing only the input prefix for its reconcile, with Query on the windows index', () => {
      // Arrange
      const batcher = policyOfRole(f, `${f.base}-batcher-policy`);
      const sweeper = policyOfRole(f, `${f.base}-sweeper-policy`);
      const tableArn = f.run.one(T.table).state.arn;
      // Act
      const extra = allActions(batcher).filter((a) => !allActions(sweeper).includes(a));
      const listing = sweeper.Statement.filter((s) => s.Action.includes('s3:ListBucket'));
      // Assert
      expect(extra.sort()).toEqual(
        [
          'kinesis:DescribeStream',
          'kinesis:DescribeStreamSummary',
          'kinesis:GetRecords',
          'kinesis:GetShardIterator',
          'kinesis:ListShards',
          'sqs:SendMessage',
        ].sort(),
      );
      expect(listing).toEqual([
        expect.objectContaining({
          Resource: [`arn:aws:s3:::${bucketName(f, 'input')}`],
          Condition: { StringLike: { 's3:prefix': [`${f.config.inputPrefix}*`] } },
        }),
      ]);
      expect(allowedActions(sweeper, `${tableArn}/index/windows`)).toContain('dynamodb:Query');
      expect(allActions(sweeper).some((a) => a.startsWith('kinesis:'))).toBe(false);
    });

    it('lets the Glue job read input and manifests, write output/rejects/staging and logs/glue/ only', () => {
      // Arrange
      const doc = policyOfRole(f, `${f.base}-glue-policy`);
      const output = bucketArn(f, 'output');
      const manifest = bucketArn(f, 'manifest');
      // Act
      const on = (resource: string) => allowedActions(doc, resource);
      // Assert
      expect(on(`${bucketArn(f, 'input')}/${cfg.inputPrefix}*`)).toEqual(['s3:GetObject']);
      expect(on(`${manifest}/manifests/*`)).toEqual(['s3:GetObject']);
      expect(on(`${manifest}/logs/glue/*`)).toEqual(['s3:PutObject']);
      for (const prefix of [cfg.outputPrefix, cfg.rejectsPrefix, cfg.stagingPrefix]) {
        expect(on(`${output}/${prefix}*`)).toEqual(['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:PutObject']);
      }
      expect(on(`${bucketArn(f, 'scripts')}/glue/*`)).toEqual(['s3:GetObject']);
      expect(on(`${manifest}/*`)).toEqual([]);
      expect(on(output)).toEqual(['s3:GetBucketLocation', 's3:ListBucket']);
      expect(on(`${output}/pipeline`)).toEqual(['s3:GetObject']);
      expect(on(`${output}/*`)).toEqual([]);
      expect(on('*')).toEqual(['cloudwatch:PutMetricData']);
      expect(doc.Statement.find((s) => s.Sid === 'PublishGlueMetrics')?.Condition).toEqual({
        StringEquals: { 'cloudwatch:namespace': 'Glue' },
      });
    });

    it('keeps every Lambda, the state machine and the Glue job logging to groups with retention', () => {
      // Arrange
      const groups = f.run.ofType(T.logGroup);
      // Act
      const withoutRetention = groups
        .filter((g) => g.inputs.retentionInDays !== cfg.observability.logRetentionDays)
        .map((g) => g.inputs.name);
      // Assert
      expect(withoutRetention).toEqual([]);
      for (const fn of f.run.ofType(T.fn)) expect(groups.map((g) => g.inputs.name)).toContain(fn.inputs.loggingConfig.logGroup);
    });
  });
}
