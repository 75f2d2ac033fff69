import { METRICS_NAMESPACE } from '../../contracts/metrics';
import { allow, logStreamsArn, objectArn, type PolicyDocument, policyDocument, type UnusedLocally } from './document';
import { GLUE_REPORTS_PREFIX, MANIFESTS_PREFIX } from './lambda';

/** Where the Glue job's files live in the scripts bucket. */
export const SCRIPTS_PREFIX = 'glue/';

export interface GlueJobArns {
  inputBucketArn: string;
  inputPrefix: string;
  manifestBucketArn: string;
  outputBucketArn: string;
  outputPrefix: string;
  rejectsPrefix: string;
  stagingPrefix: string;
  scriptsBucketArn: string;
  scriptsPrefix: string;
  /** The job's own log groups (`<custom prefix>/output`, `<custom prefix>/error`). */
  logGroupArns: string[];
  /** The catalog table the job keeps in step with its column registry, with its database and catalog (contracts/catalogTable.ts catalogTableArns). */
  catalogArns: { catalog: string; database: string; table: string };
}

function prefixCondition(prefixes: string[]): Record<string, Record<string, string[]>> {
  return { StringLike: { 's3:prefix': prefixes.map((p) => `${p}*`) } };
}

/**
 * The "directory" keys above some prefixes (`pipeline/output/` -> `pipeline`, `pipeline/`, `pipeline/output`):
 * Hadoop file systems probe them with HEAD before writing under them; without read access the probe answers
 * 403 instead of 404 and the write fails.
 */
export function ancestorKeys(prefixes: string[]): string[] {
  const keys = new Set<string>();
  for (const prefix of prefixes) {
    const parts = prefix.split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const key = parts.slice(0, i).join('/');
      keys.add(key);
      if (i < parts.length) keys.add(`${key}/`);
    }
  }
  return [...keys].sort();
}

/**
 * The Glue job's role. It reads input objects (only under the input prefix) and manifests, writes Parquet
 * under the output, rejects and staging prefixes of the output bucket (the script's own scratch space,
 * `<output prefix>_staging/`, is under the output prefix), lists the output bucket (which holds nothing but
 * what this job writes), writes its run report under
 * logs/glue/ of the manifest bucket (the seed's lesson: without it the report upload fails with
 * AccessDenied), reads its script, writes its own log groups, publishes metrics in the Glue namespace and
 * adds the columns its registry learns to the stack's catalog table.
 */
export function glueJobPolicy(arns: GlueJobArns): PolicyDocument {
  const writable = [arns.outputPrefix, arns.rejectsPrefix, arns.stagingPrefix];
  return policyDocument(
    allow('ReadInputObjects', ['s3:GetObject'], [objectArn(arns.inputBucketArn, arns.inputPrefix)]),
    allow('ListInputPrefix', ['s3:ListBucket'], [arns.inputBucketArn], prefixCondition([arns.inputPrefix])),
    allow('ReadManifests', ['s3:GetObject'], [objectArn(arns.manifestBucketArn, MANIFESTS_PREFIX)]),
    allow('WriteGlueReports', ['s3:PutObject'], [objectArn(arns.manifestBucketArn, GLUE_REPORTS_PREFIX)]),
    allow(
      'WriteOutputRejectsStaging',
      ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
      writable.map((prefix) => objectArn(arns.outputBucketArn, prefix)),
    ),
    allow('ListOutputBucket', ['s3:ListBucket'], [arns.outputBucketArn]),
    allow(
      'ProbeOutputDirectories',
      ['s3:GetObject'],
      ancestorKeys(writable).map((key) => `${arns.outputBucketArn}/${key}`),
    ),
    allow(
      'LocateBuckets',
      ['s3:GetBucketLocation'],
      [arns.inputBucketArn, arns.manifestBucketArn, arns.outputBucketArn, arns.scriptsBucketArn],
    ),
    allow('ReadJobScripts', ['s3:GetObject'], [objectArn(arns.scriptsBucketArn, arns.scriptsPrefix)]),
    allow(
      'WriteJobLogs',
      ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
      arns.logGroupArns.flatMap((arn) => [arn, logStreamsArn(arn)]),
    ),
    allow('PublishGlueMetrics', ['cloudwatch:PutMetricData'], ['*'], { StringEquals: { 'cloudwatch:namespace': 'Glue' } }),
    // The column sync (glue/ndjson_parquet/catalog.py) reads the table and adds columns to it. Glue authorises a
    // table's Data Catalog calls on the catalog, the database and the table ARN together
    // (https://docs.aws.amazon.com/glue/latest/dg/glue-specifying-resource-arns.html), so each is named; no other table.
    allow(
      'SyncCatalogTable',
      ['glue:GetTable', 'glue:UpdateTable'],
      [arns.catalogArns.catalog, arns.catalogArns.database, arns.catalogArns.table],
    ),
    // InputsChanged, GlueDpuSeconds and GlueInputBytes, which only the job knows (glue/ndjson_parquet/metrics.py);
    // PutMetricData takes no resource, so the namespace condition is the bound
    // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/iam-cw-condition-keys-namespace.html).
    allow('PublishJobMetrics', ['cloudwatch:PutMetricData'], ['*'], { StringEquals: { 'cloudwatch:namespace': METRICS_NAMESPACE } }),
  );
}

export const GLUE_JOB_UNUSED_LOCALLY: UnusedLocally = {
  ListInputPrefix: 'a missing input object then answers 404 (the job names the file) instead of 403; every local input exists',
  'WriteOutputRejectsStaging/s3:AbortMultipartUpload':
    'the S3 file system aborts a failed multipart upload of a large Parquet file; local files are small',
  ProbeOutputDirectories: "Glue's Hadoop S3 file system probes the directory keys above the output prefixes; the local writer does not",
  LocateBuckets: 'Glue locates each bucket (GetBucketLocation) before using it; local Spark is given the endpoint',
  ReadJobScripts:
    'Glue downloads the job script, packages and parser jar from the scripts bucket; the local worker runs them from the checkout',
  WriteJobLogs: "Glue writes the job's output and error logs to its log groups; locally they go to glue-worker.log",
  PublishGlueMetrics: 'Glue publishes the job metrics (--enable-metrics) to CloudWatch; local Spark publishes none',
  PublishJobMetrics:
    "the local worker gets no --metrics_namespace; the runner counts the report's exclusions, DPU-seconds and input bytes into the run's metrics",
};
