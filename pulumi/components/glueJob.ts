import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { catalogTableArns } from '../../contracts/catalogTable';
import { METRICS_NAMESPACE, metricsService } from '../../contracts/metrics';
import type { StackConfig } from '../../contracts/stackConfig';
import { GLUE_VERSION, glueDefaultArguments } from '../../handlers/orchestration/glueArguments';
import { GLUE_ARTIFACTS, type GlueArtifact, glueAdditionalPythonModules, glueArtifactFileName, glueArtifactSource } from '../assets';
import { assumeRolePolicy, glueJobPolicy, logGroupArn, SCRIPTS_PREFIX } from '../policies';
import { type AwsContext, componentType, resolved } from './common';
import { createLogGroup } from './logGroup';
import { createServiceRole } from './serviceRole';

/** Glue 5.0 writes `<prefix>/output` (stdout/stderr) and `<prefix>/error` (system, Spark, GlueLogger). */
export function glueLogGroupPrefix(jobName: string): string {
  return `/aws-glue/${jobName}`;
}

export function glueLogGroupNames(jobName: string): { output: string; error: string } {
  const prefix = glueLogGroupPrefix(jobName);
  return { output: `${prefix}/output`, error: `${prefix}/error` };
}

export function scriptKey(artifact: GlueArtifact): string {
  return `${SCRIPTS_PREFIX}${glueArtifactFileName(artifact)}`;
}

export interface GlueJobArgs {
  aws: AwsContext;
  config: StackConfig;
  /** The stack's base name: the `service` dimension of the metric the job publishes (InputsChanged). */
  baseName: string;
  inputBucketArn: pulumi.Input<string>;
  manifestBucket: { name: pulumi.Input<string>; arn: pulumi.Input<string> };
  outputBucket: { name: pulumi.Input<string>; arn: pulumi.Input<string> };
  scriptsBucket: { name: pulumi.Input<string>; arn: pulumi.Input<string> };
  /** The catalog table the job keeps in step with its column registry. */
  catalog: { database: pulumi.Input<string>; table: pulumi.Input<string> };
}

/**
 * The Glue (Spark) job that turns one manifest into Parquet: Glue 5.0 glueetl, workers/timeout/retries
 * and concurrency per stack, job run queuing on (runs beyond MaxConcurrentRuns wait instead of failing),
 * metrics and observability metrics on, its own log groups with retention, its script uploaded from glue/.
 */
export class GlueJob extends pulumi.ComponentResource {
  readonly job: aws.glue.Job;
  readonly role: aws.iam.Role;
  readonly name: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;
  readonly objects: aws.s3.BucketObjectv2[];

  constructor(name: string, args: GlueJobArgs, opts?: pulumi.ComponentResourceOptions) {
    super(componentType('glue', 'GlueJob'), name, {}, opts);
    const parent = { parent: this };
    const { config } = args;
    const jobName = name;

    this.objects = GLUE_ARTIFACTS.map(
      (artifact) =>
        new aws.s3.BucketObjectv2(
          `${name}-${glueArtifactFileName(artifact).replace(/[^A-Za-z0-9-]/g, '-')}`,
          {
            bucket: args.scriptsBucket.name,
            key: scriptKey(artifact),
            source: glueArtifactSource(artifact),
            serverSideEncryption: 'AES256',
          },
          parent,
        ),
    );
    const script = GLUE_ARTIFACTS.find((a) => a.kind === 'script');
    if (!script) throw new Error('GLUE_ARTIFACTS needs exactly one entry of kind "script"');
    const extraPyFiles = GLUE_ARTIFACTS.filter((a) => a.kind === 'extra-py-files');
    const extraJars = GLUE_ARTIFACTS.filter((a) => a.kind === 'extra-jars');

    const logNames = glueLogGroupNames(jobName);
    const logGroups = [logNames.output, logNames.error].map((logName) =>
      createLogGroup(this, name, {
        logGroupName: logName,
        retentionInDays: config.observability.logRetentionDays,
        variant: logName.split('/').pop(),
      }),
    );

    const { role, rolePolicy } = createServiceRole(this, name, {
      description: 'Glue job: manifest NDJSON -> Parquet',
      assumeRolePolicy: JSON.stringify(assumeRolePolicy('glue.amazonaws.com')),
      policy: resolved({
        inputBucketArn: args.inputBucketArn,
        manifestBucketArn: args.manifestBucket.arn,
        outputBucketArn: args.outputBucket.arn,
        scriptsBucketArn: args.scriptsBucket.arn,
        partition: args.aws.partition,
        region: args.aws.region,
        accountId: args.aws.accountId,
        catalogDatabase: args.catalog.database,
        catalogTable: args.catalog.table,
      }).apply((r) =>
        JSON.stringify(
          glueJobPolicy({
            inputBucketArn: r.inputBucketArn,
            inputPrefix: config.inputPrefix,
            manifestBucketArn: r.manifestBucketArn,
            outputBucketArn: r.outputBucketArn,
            outputPrefix: config.outputPrefix,
            rejectsPrefix: config.rejectsPrefix,
            stagingPrefix: config.stagingPrefix,
            scriptsBucketArn: r.scriptsBucketArn,
            scriptsPrefix: SCRIPTS_PREFIX,
            logGroupArns: [logNames.output, logNames.error].map((n) => logGroupArn(r, n)),
            catalogArns: catalogTableArns(r, r.catalogDatabase, r.catalogTable),
          }),
        ),
      ),
    });
    this.role = role;

    const defaultArguments = resolved({
      output: args.outputBucket.name,
      manifest: args.manifestBucket.name,
      scripts: args.scriptsBucket.name,
      database: args.catalog.database,
      table: args.catalog.table,
    }).apply(({ output, manifest, scripts, database, table }) => ({
      ...glueDefaultArguments(config, { outputBucket: output, manifestBucket: manifest }, { database, table }),
      // Where the job publishes InputsChanged (glue/ndjson_parquet/metrics.py), beside the Lambdas' metrics.
      '--metrics_namespace': METRICS_NAMESPACE,
      '--metrics_service': metricsService(args.baseName),
      '--job-language': 'python',
      '--job-bookmark-option': 'job-bookmark-disable',
      '--enable-metrics': 'true',
      '--enable-observability-metrics': 'true',
      '--enable-continuous-cloudwatch-log': 'true',
      '--custom-logGroup-prefix': glueLogGroupPrefix(jobName),
      // Glue 5.0's own botocore predates PutObject's IfMatch/IfNoneMatch, which the job's registry needs.
      '--additional-python-modules': glueAdditionalPythonModules(),
      ...(extraPyFiles.length > 0 ? { '--extra-py-files': extraPyFiles.map((a) => `s3://${scripts}/${scriptKey(a)}`).join(',') } : {}),
      ...(extraJars.length > 0 ? { '--extra-jars': extraJars.map((a) => `s3://${scripts}/${scriptKey(a)}`).join(',') } : {}),
    }));

    this.job = new aws.glue.Job(
      name,
      {
        name: jobName,
        description: 'ndjson-parquet: one manifest of one date -> Parquet in merged-parquet-<date>/',
        roleArn: this.role.arn,
        glueVersion: GLUE_VERSION,
        command: {
          name: 'glueetl',
          pythonVersion: '3',
          scriptLocation: pulumi.interpolate`s3://${args.scriptsBucket.name}/${scriptKey(script)}`,
        },
        workerType: config.glue.workerType,
        numberOfWorkers: config.glue.numberOfWorkers,
        timeout: config.glue.timeoutMinutes,
        // The state machine owns retries (glue.maxRetries is its retrier's count): a run Glue retried on its
        // own would overlap the execution's next step and any redrive (StateMachineParams.glueRunRetries).
        maxRetries: 0,
        executionProperty: { maxConcurrentRuns: config.glue.maxConcurrentRuns },
        jobRunQueuingEnabled: true,
        // Flex (spare capacity, the Flex DPU-hour price, a later start) where the stack's config asks for it;
        // the state machine passes the same class with every run's capacity
        // (https://docs.aws.amazon.com/glue/latest/dg/add-job.html: Glue 3.0+ glueetl on G.1X/G.2X only, which
        // the config schema enforces).
        executionClass: config.glue.executionClass,
        defaultArguments,
      },
      { parent: this, dependsOn: [rolePolicy, ...this.objects, ...logGroups] },
    );

    this.name = this.job.name;
    this.arn = this.job.arn;
    this.registerOutputs({ name: this.name, arn: this.arn });
  }
}
